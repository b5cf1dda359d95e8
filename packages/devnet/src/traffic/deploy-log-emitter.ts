import { hexToNumber, rpcCall } from '../rpc/json-rpc.js'
import { LOG_EMITTER_CREATION_CODE } from './log-emitter.js'

interface Receipt {
  status: string
  contractAddress: string | null
  blockNumber: string
}

/**
 * Deploys the log emitter from `from` and returns its address and the block it was deployed in. Mines a
 * block itself when the node does not (manual or interval mining), so it returns at once in every mining
 * mode.
 *
 * @throws {Error} when the deployment reverts or no receipt appears within `timeoutMs`
 * @example
 * const { address } = await deployLogEmitter(node.url, accounts[0])
 */
export async function deployLogEmitter(
  nodeUrl: string,
  from: string,
  timeoutMs = 10_000,
): Promise<{ address: string; blockNumber: number }> {
  const hash = await rpcCall<string>(nodeUrl, 'eth_sendTransaction', [
    { from, data: LOG_EMITTER_CREATION_CODE },
  ])
  const deadline = performance.now() + timeoutMs
  let mined = false
  for (;;) {
    const receipt = await rpcCall<Receipt | null>(nodeUrl, 'eth_getTransactionReceipt', [hash])
    if (receipt) {
      if (receipt.status !== '0x1' || !receipt.contractAddress)
        throw new Error('log emitter deployment reverted')
      return { address: receipt.contractAddress, blockNumber: hexToNumber(receipt.blockNumber) }
    }
    if (!mined) {
      await rpcCall(nodeUrl, 'anvil_mine', ['0x1'])
      mined = true
      continue
    }
    if (performance.now() > deadline) throw new Error(`log emitter not mined after ${timeoutMs} ms`)
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}
