// Test kit of the back office (a simulated terminal and a whole test world); a subpath import, never shipped in a package.
export * from './sim-terminal.js';
export * from './test-world.js';
