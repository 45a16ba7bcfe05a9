// sending/: from due steps to sent email: scheduling, sending windows, which mailboxes may send, the queue's claims and results, the sender, message composition, template rendering, SMTP transports and their pool.
// The folder's entry: callers outside it import from here, not from its files.
export * from './emailHtml';
export * from './fairShares';
export * from './mailTransport';
export * from './mailboxEligibility';
export * from './mailboxSlots';
export * from './messageComposer';
export * from './queueClaims';
export * from './queueResults';
export * from './queueStats';
export * from './scheduling';
export * from './schedulingQueries';
export * from './sender';
export * from './sendingWindow';
export * from './spintax';
export * from './stepRendering';
export * from './templateRendering';
export * from './timeZones';
export * from './transportPool';
export * from './workLanes';
