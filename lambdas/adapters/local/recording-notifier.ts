import type { Alert, Notifier } from '../../ports/alerts';
import type { Clock } from '../../ports/clock';

/** An alert as the drill saw it go out. */
export interface RecordedAlert extends Alert {
  /** Epoch ms it was published. */
  at: number;
}

/** The drill's stand-in for SNS: keeps every alert, in order, instead of sending it. */
export class RecordingNotifier implements Notifier {
  readonly alerts: RecordedAlert[] = [];

  constructor(
    private readonly clock: Clock,
    private readonly onAlert?: (alert: RecordedAlert) => void,
  ) {}

  async publish(alert: Alert): Promise<void> {
    const recorded = { ...alert, at: this.clock.now() };
    this.alerts.push(recorded);
    this.onAlert?.(recorded);
  }
}
