/**
 * A hand-assembled contract that emits one log per call, so `eth_getLogs` and `logs` subscriptions have
 * real data without a Solidity compiler.
 *
 * Every call emits `LOG2(data = calldata, topic0 = PING_TOPIC, topic1 = caller)`. The traffic generator
 * always sends 32 bytes of calldata (a counter), so its logs decode as the Solidity event
 * `event Ping(address indexed sender, uint256 value)`.
 *
 * Runtime (45 bytes):
 * ```
 * 36        CALLDATASIZE            size
 * 60 00     PUSH1 0                 offset in calldata
 * 60 00     PUSH1 0                 offset in memory
 * 37        CALLDATACOPY            memory[0..size] = calldata
 * 33        CALLER                  topic1 = msg.sender
 * 7f <32B>  PUSH32 PING_TOPIC       topic0
 * 36        CALLDATASIZE            log data size
 * 60 00     PUSH1 0                 log data offset
 * a2        LOG2
 * 00        STOP
 * ```
 * Init code (11 bytes) copies the runtime that follows it into memory and returns it:
 * ```
 * 60 2d     PUSH1 45                runtime length
 * 80        DUP1
 * 60 0b     PUSH1 11                runtime offset in the creation code (= init length)
 * 60 00     PUSH1 0                 memory offset
 * 39        CODECOPY
 * 60 00     PUSH1 0
 * f3        RETURN                  return memory[0..45]
 * ```
 */

/** keccak256("Ping(address,uint256)"), topic0 of every log the emitter writes. */
export const PING_TOPIC = '0xfd8d0c1dc3ab254ec49463a1192bb2423b3b851adedec1aa94dcd362dc063c9d'

/** The emitter's runtime code, as `eth_getCode` returns it. */
export const LOG_EMITTER_RUNTIME = `0x366000600037337f${PING_TOPIC.slice(2)}366000a200`

/** Creation code: deploy it with `eth_sendTransaction({ from, data: LOG_EMITTER_CREATION_CODE })`. */
export const LOG_EMITTER_CREATION_CODE = `0x602d80600b6000396000f3${LOG_EMITTER_RUNTIME.slice(2)}`

/** 32-byte calldata carrying `value`, so the log decodes as `Ping(sender, value)`. */
export function pingCalldata(value: number | bigint): string {
  return `0x${BigInt(value).toString(16).padStart(64, '0')}`
}
