import { createMessageAggregator, newHeadsKey, type RaceOutcome } from '@chainpulse/core'

interface Head {
  number: string
  hash: string
}

export async function main() {
  const aggregator = createMessageAggregator<Head>({ windowSize: 1024 })
  const delivered: string[] = []
  const races: RaceOutcome[] = []
  aggregator.onMessage(({ payload, providerId }) => {
    delivered.push(`#${Number(payload.number)} ${payload.hash.slice(0, 6)} via ${providerId}`)
  })
  aggregator.onRace((race) => races.push(race))

  const block100 = { number: '0x64', hash: `0x${'a1'.repeat(32)}` }
  const block101 = { number: '0x65', hash: `0x${'b2'.repeat(32)}` }
  const block101b = { number: '0x65', hash: `0x${'c3'.repeat(32)}` } // a reorg replaces block 101

  // Each provider's WebSocket copy of each head, in arrival order, with its arrival time (ms).
  const arrivals: [providerId: string, head: Head, receivedAt: number][] = [
    ['alchemy', block100, 1000],
    // Same block, hex in upper case: newHeadsKey normalises it, so it is still a duplicate.
    ['infura', { ...block100, hash: block100.hash.toUpperCase().replace('0X', '0x') }, 1003.5],
    ['alchemy', block100, 1004], // a provider repeating itself is ignored, not a loss
    ['infura', block101, 2000],
    ['alchemy', block101, 2001.25],
    ['alchemy', block101b, 2500],
    ['infura', block101b, 2510],
  ]
  for (const [providerId, head, receivedAt] of arrivals) {
    const key = newHeadsKey(head)
    aggregator.ingest({
      chain: 'ethereum',
      providerId,
      eventType: 'newHeads',
      key,
      payload: head,
      receivedAt,
    })
  }

  return {
    delivered,
    races: races.map((race) => `${race.providerId} ${race.result} by ${race.marginMs} ms`),
    stats: aggregator.stats(),
  }
}
