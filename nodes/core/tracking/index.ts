// tracking/: what comes back: tracking tokens, secrets and the webhook, events, machine traffic, campaign statistics, account health, inbound mail and its routing, the signed return path.
// The folder's entry: callers outside it import from here, not from its files.
export * from './accountHealth';
export * from './campaignStats';
export * from './events';
export * from './inboundClassification';
export * from './inboundItems';
export * from './inboundMessage';
export * from './inboundProcessing';
export * from './inboundReports';
export * from './inboundRouting';
export * from './machineTraffic';
export * from './returnPath';
export * from './tracking';
export * from './trackingSecrets';
export * from './trackingToken';
export * from './trackingWebhook';
