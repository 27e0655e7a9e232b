/** KIP-848 consumer groups: state, the heartbeat transition, assignors and describe. */

export * from './assignors.js';
export * from './describe.js';
export * from './heartbeat.js';
export * from './state.js';
