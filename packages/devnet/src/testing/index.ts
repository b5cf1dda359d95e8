export { isProcessAlive } from './process-alive.js'
export { waitFor } from './wait-for.js'
export type { TestWsClient } from './ws-client.js'
export { connectWs } from './ws-client.js'
