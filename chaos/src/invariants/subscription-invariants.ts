import type { DeliveredHead, SubscriptionEvent } from '../record/history.js'
import { type Verdict, verdict } from './verdict.js'

type HeadEvent = Extract<SubscriptionEvent, { kind: 'head' }>

const heads = (events: readonly SubscriptionEvent[]) =>
  events.filter((event): event is HeadEvent => event.kind === 'head')
const short = (hash: string) => `${hash.slice(0, 10)}…`
const describe = (event: HeadEvent) =>
  `client ${event.client} block #${event.head.number} ${short(event.head.hash)} at ${Math.round(event.at)} ms (connection ${event.connection})`

/** Heads per client, in the order the client received them. */
function byClient(events: readonly SubscriptionEvent[]): Map<number, HeadEvent[]> {
  const clients = new Map<number, HeadEvent[]>()
  for (const event of heads(events)) {
    const list = clients.get(event.client) ?? []
    list.push(event)
    clients.set(event.client, list)
  }
  return clients
}

/**
 * No client received the same block (by hash) twice, over all its connections together: a client that
 * resumes after a reconnect must not be handed a block it already had.
 */
export function noBlockTwice(events: readonly SubscriptionEvent[]): Verdict {
  const violations: string[] = []
  let total = 0
  for (const [, list] of byClient(events)) {
    const seen = new Map<string, HeadEvent>()
    for (const event of list) {
      total++
      const first = seen.get(event.head.hash)
      if (first)
        violations.push(
          `${describe(event)}; first at ${Math.round(first.at)} ms (connection ${first.connection})`,
        )
      else seen.set(event.head.hash, event)
    }
  }
  return verdict(
    'no block delivered twice to a client, across its reconnects',
    `${violations.length} of ${total} notifications repeated a block`,
    violations,
  )
}

/**
 * Within each subscription (one connection), every block's `parentHash` is the hash of the block
 * delivered before it: the sequence a resumed client gets from its first block onward is intact.
 */
export function parentLinked(events: readonly SubscriptionEvent[]): Verdict {
  const violations: string[] = []
  let links = 0
  for (const [, list] of byClient(events)) {
    let previous: HeadEvent | undefined
    for (const event of list) {
      if (previous?.connection === event.connection) {
        links++
        if (event.head.parentHash !== previous.head.hash)
          violations.push(
            `${describe(event)}: parent ${short(event.head.parentHash)}, previous ${short(previous.head.hash)} #${previous.head.number}`,
          )
      }
      previous = event
    }
  }
  return verdict(
    'parent links intact within every subscription, resumed ones included',
    `${links} links checked, ${violations.length} broken`,
    violations,
  )
}

/** What one client's resume after an outage looked like. */
export interface Resume {
  client: number
  /** The outage's start (the kill), ms since the run's start. */
  outageAt: number
  /** The last block the client had before the outage; undefined when it had none. */
  lastBefore: DeliveredHead | undefined
  /** Its first block after the outage, and when it came; undefined when none came. */
  firstAfter: { head: DeliveredHead; at: number; connection: number } | undefined
}

/** Each client's resume after each outage (`outages`: the kill times, in order). */
export function resumes(events: readonly SubscriptionEvent[], outages: readonly number[]): Resume[] {
  const result: Resume[] = []
  for (const [client, list] of byClient(events)) {
    outages.forEach((outageAt, index) => {
      const next = outages[index + 1] ?? Number.POSITIVE_INFINITY
      const before = list.filter((event) => event.at < outageAt).at(-1)
      const after = list.find((event) => event.at >= outageAt && event.at < next)
      result.push({
        client,
        outageAt,
        lastBefore: before?.head,
        firstAfter: after && { head: after.head, at: after.at, connection: after.connection },
      })
    })
  }
  return result
}

/**
 * Every client resumed after every outage, on a new connection, moving forward: its first block after
 * the restart is above the last one it had before (blocks mined during the outage are skipped, never
 * replayed). `clients` is how many subscribed, so a client that never received anything counts too.
 */
export function resumedForward(list: readonly Resume[], clients: number, outages: number): Verdict {
  const violations: string[] = []
  if (list.length < clients * outages)
    violations.push(`${list.length} resumes recorded for ${clients} clients × ${outages} outages`)
  for (const resume of list) {
    const where = `client ${resume.client} after the outage at ${Math.round(resume.outageAt)} ms`
    if (!resume.firstAfter) violations.push(`${where}: no block after the restart`)
    else if (resume.lastBefore && resume.firstAfter.head.number <= resume.lastBefore.number)
      violations.push(
        `${where}: resumed at #${resume.firstAfter.head.number} ${short(resume.firstAfter.head.hash)}, had #${resume.lastBefore.number} ${short(resume.lastBefore.hash)}`,
      )
  }
  const skipped = list
    .filter((resume) => resume.lastBefore && resume.firstAfter)
    .map((resume) => resume.firstAfter!.head.number - resume.lastBefore!.number - 1)
  return verdict(
    'every client resumed after every restart, at a block above its last',
    `${list.filter((resume) => resume.firstAfter).length} of ${list.length} resumed; blocks skipped across the outage ${skipped.length ? `${Math.min(...skipped)}–${Math.max(...skipped)}` : '—'}`,
    violations,
  )
}
