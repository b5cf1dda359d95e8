/**
 * `@chainpulse/server/demo` — the zero-configuration demo (`chainpulse demo`): a local devnet, the proxy
 * over it and the dashboard with its Live Test controls. A subpath of its own because it needs
 * `@chainpulse/devnet` (an optional peer dependency with a 44 MB anvil binary), which the production
 * server (`buildServer`, `startChainPulse`, `chainpulse serve`) never loads.
 */
export { createDevnetDemoControls } from './devnet-controls.js'
export { type DemoUrls, type RunningDemo, type StartDemoOptions, startDemo } from './start-demo.js'
