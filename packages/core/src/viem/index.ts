/**
 * @chainpulse/core/viem — a viem `Transport` over a ChainPulse pool. Needs `viem` (an optional peer
 * dependency of `@chainpulse/core`) to be installed.
 */
export {
  type ChainPulseSubscribeParameters,
  type ChainPulseSubscribeResult,
  type ChainPulseTransport,
  type ChainPulseTransportConfig,
  type ChainPulseTransportValue,
  chainpulse,
} from './chainpulse-transport.js'
