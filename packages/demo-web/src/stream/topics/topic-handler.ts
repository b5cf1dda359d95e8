/**
 * What the dashboard store does with one stream topic: `take` each message's payload as it comes (cheap,
 * no signal writes), then `publish` once per frame in which it took any, writing its signals once.
 */
export interface TopicHandler<Payload> {
  take(payload: Payload): void
  publish(): void
  /** Forgets what a live feed kept (a new connection replays it); snapshot topics have nothing to forget. */
  reset?(): void
}
