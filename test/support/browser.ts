/**
 * The n8n editor in a real browser: Debian's Chromium driven by playwright-core (a Playwright browser download
 * needs the internet, which these machines lack), and helpers for the editor's pages and panels. Elements are
 * found by n8n's own `data-test-id` attributes (n8n 2.41) and by their visible text. Each stage's screenshot goes
 * to test/e2e/artifacts/ (git-ignored).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';

import { type Browser, chromium, type Locator, type Page, selectors } from 'playwright-core';

import { eventually } from '../../scripts/lib/wait';

/** The names a Chromium or Chrome is installed under; OPHIR_CHROMIUM names another binary. */
const CANDIDATES = ['chromium', 'chromium-browser', 'google-chrome-stable', 'google-chrome'];

/**
 * The Chromium to drive: OPHIR_CHROMIUM, else the first of the usual names on PATH; undefined when there is none
 * (the browser test then skips, saying why). Synchronous, so that a test can be skipped by name.
 */
export function findChromium(): string | undefined {
	const named = process.env.OPHIR_CHROMIUM;
	if (named) return existsSync(named) ? named : undefined;
	for (const name of CANDIDATES) {
		const found = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' });
		const path = found.stdout?.trim();
		if (found.status === 0 && path) return path;
	}
	return undefined;
}

/**
 * Launches Chromium headless. As root (CI, these machines) Chromium does not start with its sandbox; the browser
 * only visits the n8n on loopback that the test started.
 */
export function launchChromium(executablePath: string): Promise<Browser> {
	// n8n's own Playwright tests find elements by data-test-id, not Playwright's default data-testid.
	selectors.setTestIdAttribute('data-test-id');
	const root = process.getuid?.() === 0;
	return chromium.launch({ executablePath, headless: true, args: root ? ['--no-sandbox'] : [] });
}

/** How long one editor action may take: the first opening of a panel loads its code. */
const UI_TIMEOUT_MS = 20_000;

/** Exactly this text, not a longer one containing it. */
const exactly = (text: string) => new RegExp(`^${text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`);

/** The n8n editor in one browser page, with numbered screenshots of each stage. */
export class N8nEditor {
	private shots = 0;

	/** Empties `artifacts` (the screenshots of the previous run) and takes the page over. */
	constructor(
		readonly page: Page,
		readonly baseUrl: string,
		readonly artifacts: string,
	) {
		rmSync(artifacts, { recursive: true, force: true });
		mkdirSync(artifacts, { recursive: true });
		page.setDefaultTimeout(UI_TIMEOUT_MS);
	}

	/** Saves the page as `<nn>-<stage>.png` in the artifacts folder and returns its path. */
	async screenshot(stage: string): Promise<string> {
		this.shots += 1;
		const path = join(this.artifacts, `${String(this.shots).padStart(2, '0')}-${stage}.png`);
		// CSS transitions finished at once: a panel still sliding in would show half drawn.
		await this.page.screenshot({ path, animations: 'disabled' });
		return path;
	}

	/** Closes n8n's notifications ("Node executed successfully", …) that cover the panel's corner. */
	async dismissNotifications(): Promise<void> {
		const close = this.page.locator('.el-notification .el-notification__closeBtn').first();
		for (let shown = 0; shown < 5 && (await close.isVisible()); shown++) {
			// A notification may be closing by itself meanwhile: its button then goes away under the click.
			await close.click({ timeout: 2_000 }).catch(() => undefined);
		}
	}

	/**
	 * Runs one stage of a scenario and screenshots the page after it, or, when it fails, as it was then (named
	 * `…-FAILED-<stage>`) before passing the failure on.
	 */
	async stage<T>(name: string, work: () => Promise<T>): Promise<T> {
		let failed = true;
		try {
			const result = await work();
			failed = false;
			return result;
		} finally {
			if (failed) await this.screenshot(`FAILED-${name}`).catch(() => undefined);
			else await this.screenshot(name);
		}
	}

	async signIn(email: string, password: string): Promise<void> {
		await this.page.goto(`${this.baseUrl}/signin`);
		await this.page.getByTestId('emailOrLdapLoginId').locator('input').fill(email);
		await this.page.getByTestId('password').locator('input').fill(password);
		await this.page.getByTestId('form-submit-button').click();
		await this.page.waitForURL((url) => !url.pathname.startsWith('/signin'));
	}

	/** An empty workflow on the canvas. */
	async newWorkflow(): Promise<void> {
		await this.page.goto(`${this.baseUrl}/workflow/new`);
		await this.page.getByTestId('canvas-wrapper').waitFor();
	}

	/** The nodes on the canvas, by their names. */
	canvasNode(name: string): Locator {
		return this.page.locator(`[data-test-id="canvas-node"][data-node-name="${name}"]`);
	}

	// The node panel ("node creator")

	nodeCreator(): Locator {
		return this.page.getByTestId('node-creator');
	}

	/**
	 * Opens the node panel with its keyboard shortcut `n` and searches it. A node added from it is connected after
	 * the node selected on the canvas (the one whose panel was open last).
	 */
	async searchNodes(text: string): Promise<void> {
		await this.page.keyboard.press('n');
		await this.page.getByTestId('node-creator-search-bar').fill(text);
	}

	/** The entries the node panel shows now (nodes, actions, section titles), each as its first line. */
	async nodeCreatorEntries(): Promise<string[]> {
		const texts = await this.nodeCreator().getByTestId('item-iterator-item').allInnerTexts();
		return texts.map((text) => text.split('\n')[0].trim());
	}

	/** An entry of the node panel (a node, or one of its actions) by its title. */
	nodeCreatorItem(title: string): Locator {
		return this.nodeCreator()
			.getByTestId('item-iterator-item')
			.filter({ has: this.page.getByText(exactly(title)) })
			.first();
	}

	// The node's panel ("node details view", NDV): input, parameters, output

	ndv(): Locator {
		return this.page.getByTestId('ndv');
	}

	/** Opens a node's panel from the canvas. */
	async openNode(name: string): Promise<void> {
		await this.canvasNode(name).dblclick();
		await this.ndv().waitFor();
	}

	async closeNode(): Promise<void> {
		await this.page.getByTestId('ndv-close-button').click();
		await this.ndv().waitFor({ state: 'hidden' });
	}

	/** A parameter's input, by the parameter's name (n8n marks it `parameter-input-<name>`). */
	parameter(name: string): Locator {
		return this.ndv().getByTestId(`parameter-input-${name}`);
	}

	/** The text a parameter shows (a drop-down's choice, a text field's value). */
	async parameterValue(name: string): Promise<string> {
		const input = this.parameter(name).locator('input').first();
		return (await input.count()) ? input.inputValue() : this.parameter(name).innerText();
	}

	async fillParameter(name: string, value: string): Promise<void> {
		const input = this.parameter(name).locator('input, textarea').first();
		await input.click();
		await input.fill(value);
	}

	/**
	 * Types text that holds OPhir's `{{placeholders}}` into an editor field of `scope` (the panel, or one item of a
	 * fixed collection), as a person pastes it. OPhir's subject and body fields are n8n HTML editors, which keep
	 * `{{…}}` as typed (a plain text field would turn into an n8n expression). Returns whether the field is still
	 * fixed text afterwards.
	 */
	async typeLiteralText(scope: Locator, name: string, text: string): Promise<boolean> {
		const input = scope.getByTestId(`parameter-input-${name}`).locator('.cm-content').first();
		await input.click();
		await this.page.keyboard.insertText(text);
		const item = scope
			.getByTestId('parameter-item')
			.filter({ has: this.page.getByTestId(`parameter-input-${name}`) })
			.last();
		await item.hover();
		return (await item.getByTestId('radio-button-fixed').getAttribute('aria-checked')) === 'true';
	}

	/** Picks each of `options` in a multi-select parameter (type multiOptions, e.g. loaded from the server). */
	async selectParameterOptions(name: string, options: Array<string | RegExp>): Promise<void> {
		// A field shown a moment ago (by another parameter's choice) may not open on the first click: click until the
		// list, loaded from the server, shows the first option.
		await eventually(`the options of "${name}" to open`, async () => {
			await this.parameter(name).click();
			return this.openOption(options[0])
				.waitFor({ timeout: 5000 })
				.then(
					() => true,
					() => false,
				);
		});
		for (const option of options) await this.openOption(option).click();
		await this.page.keyboard.press('Escape');
	}

	/** Picks `option` in a long drop-down parameter by typing into its search first, as with a time zone. */
	async searchParameterOption(name: string, option: string): Promise<void> {
		await this.parameter(name).click();
		await this.page.keyboard.type(option);
		await this.openOption(option).click();
	}

	/** Fills a parameter inside `scope`: one item of a fixed collection, where each item has the same fields. */
	async fillParameterIn(scope: Locator, name: string, value: string): Promise<void> {
		const input = scope.getByTestId(`parameter-input-${name}`).locator('input, textarea').first();
		await input.click();
		await input.fill(value);
	}

	/** Replaces the text of a code or JSON parameter (a CodeMirror editor). */
	async fillCodeParameter(name: string, text: string): Promise<void> {
		await this.parameter(name).locator('.cm-content').click();
		await this.page.keyboard.press('ControlOrMeta+A');
		await this.page.keyboard.press('Delete');
		// Typed as one insertion: key by key, the editor would add closing brackets of its own.
		await this.page.keyboard.insertText(text);
	}

	/** Picks `option` in a drop-down parameter (type options). */
	async selectParameterOption(name: string, option: string | RegExp): Promise<void> {
		await this.parameter(name).click();
		await this.openOption(option).click();
	}

	/** An option of the drop-down list that is open now. */
	openOption(option: string | RegExp): Locator {
		return this.page.getByRole('option', { name: option });
	}

	/** Picks a record "From list" in a resource locator parameter, searching the list for `text` first. */
	async pickFromList(name: string, text: string): Promise<void> {
		const locator = this.ndv().getByTestId(`resource-locator-${name}`);
		await locator.getByTestId('rlc-input').click();
		await this.page.getByTestId('rlc-search').fill(text);
		await this.page.getByTestId('rlc-item').filter({ hasText: text }).first().click();
	}

	/**
	 * Maps a field of the input panel onto a parameter the way a user does: drags its name from the input panel's
	 * schema view and drops it on the parameter, which then holds the expression `{{ $json.<field> }}`.
	 */
	async dragInputField(field: string, target: Locator): Promise<void> {
		const source = this.ndv()
			.getByTestId('ndv-input-panel')
			.getByTestId('run-data-schema-node-name')
			.filter({ hasText: exactly(field) })
			.first();
		await source.scrollIntoViewIfNeeded();
		await target.scrollIntoViewIfNeeded();
		const from = await source.boundingBox();
		const to = await target.boundingBox();
		if (!from || !to) throw new Error(`Cannot drag input field "${field}": it or its target is not on screen`);
		// n8n's dragging follows the mouse itself (no HTML5 drag events): press, move a little, move over, release.
		await this.page.mouse.move(from.x + from.width / 2, from.y + from.height / 2);
		await this.page.mouse.down();
		await this.page.mouse.move(from.x + from.width / 2 + 30, from.y + from.height / 2 + 10, { steps: 5 });
		await this.page.mouse.move(to.x + to.width / 2, to.y + to.height / 2, { steps: 15 });
		await this.page.mouse.up();
		await eventually(`"${field}" to be mapped`, async () =>
			(await target.innerText()).includes(`{{ $json.${field} }}`),
		);
		// The field shows its expression's result in a pop-up over the fields below: leaving the field closes it.
		await this.ndv().getByTestId('tab-params').click();
	}

	outputPanel(): Locator {
		return this.ndv().getByTestId('output-panel');
	}

	/**
	 * Runs the node whose panel is open ("Execute step") until its output panel shows a successful run of
	 * `itemCount` items. n8n takes a parameter edited a moment ago into a run only once its editor has passed it on
	 * (code editors wait a little): a run that n8n marks stale right away is repeated. A failed run fails here with
	 * the error n8n shows.
	 */
	async executeNode(itemCount: number): Promise<void> {
		const output = this.outputPanel();
		const shown = `${itemCount} ${itemCount === 1 ? 'item' : 'items'}`;
		await eventually(
			`the node's output panel to show a successful run of ${shown}`,
			async () => {
				await this.ndv().getByTestId('node-execute-button').click();
				// The panel shows the previous run's status until the new run has started.
				await this.page.waitForTimeout(300);
				await output
					.locator('[data-test-id^="node-run-status-"], [data-test-id="node-run-info-stale"]')
					.first()
					.waitFor();
				const error = output.getByTestId('node-error-message');
				if (await error.isVisible()) {
					const description = output.getByTestId('node-error-description');
					const detail = (await description.isVisible()) ? ` (${await description.innerText()})` : '';
					throw new Error(`The node failed in the editor: ${await error.innerText()}${detail}`);
				}
				if (await output.getByTestId('node-run-info-stale').isVisible()) return false;
				return (
					(await output.getByTestId('node-run-status-success').isVisible()) &&
					(await output.getByTestId('run-data-item-count').innerText()).trim() === shown
				);
			},
			UI_TIMEOUT_MS,
			500,
		);
	}
}
