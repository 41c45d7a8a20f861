/**
 * The names of timeline events. The report, the drill and the CLI read these; keep them stable,
 * they are stored in the incident log.
 */
export const TIMELINE = {
  /** The first failed probe of the outage (backdated to when it was observed). */
  outageStarted: 'outage-started',
  /** Quorum reached (or an operator asked for a failover). */
  detected: 'detected',
  /** A further region or trigger joined the open incident. */
  joined: 'joined',
  alertSent: 'alert-sent',
  forwardingStarted: 'forwarding-started',
  /** A run stopped before its deadline and handed over to a continuation. */
  forwardingProgress: 'forwarding-progress',
  forwardingFinished: 'forwarding-finished',
  /** A route in native or switch mode carries the site's numbers at a carrier (or, with a reason, does not). */
  routeCarried: 'route-carried',
  /** A route switch is recorded and about to be applied at the carrier. */
  routeSwitching: 'route-switching',
  /** Failback undid a route switch. */
  routeSwitchedBack: 'route-switched-back',
  recovered: 'recovered',
  failbackApproved: 'failback-approved',
  failbackWaveStarted: 'failback-wave-started',
  failbackWaveFinished: 'failback-wave-finished',
  failbackHalted: 'failback-halted',
  resolved: 'resolved',
  /** Free text from an operator; `cause` notes fill the report's root-cause section. */
  note: 'note',
  cause: 'cause',
} as const;

export type TimelineEventType = (typeof TIMELINE)[keyof typeof TIMELINE];
