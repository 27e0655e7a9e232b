export * from './state.js';
export * from './transitions.js';
