import type { ComponentChildren } from 'preact'
import { formatClock } from '../format/format.js'
import type { TimelineEntry } from '../scenarios/runner.js'
import { Empty } from './ui.js'

const statusMark = { running: '…', done: '✓', failed: '✗', skipped: '–' } as const

/** A scenario's narrated steps: start time, status mark, text, and what the step observed or why it failed. */
export function ScenarioTimeline(props: {
  entries: TimelineEntry[]
  testId: string
  empty: ComponentChildren
}) {
  return (
    <ol class="timeline" data-testid={props.testId}>
      {props.entries.length === 0 ? <Empty>{props.empty}</Empty> : null}
      {props.entries.map((entry, index) => (
        <li key={`${index}-${entry.at}`} class={`step ${entry.status}`} data-status={entry.status}>
          <span class="mono muted">{formatClock(entry.at)}</span>
          <span class="status-mark">{statusMark[entry.status]}</span>
          <span>
            {entry.text}
            {entry.note ? (
              <span class="note" data-field="note">
                {' '}
                — {entry.note}
              </span>
            ) : null}
            {entry.detail ? <span class="bad"> — {entry.detail}</span> : null}
          </span>
        </li>
      ))}
    </ol>
  )
}
