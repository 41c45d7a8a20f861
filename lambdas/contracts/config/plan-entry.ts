import type { CarrierName } from './config-constants';

/** One row of the forwarding plan: where a number goes when its site is down. */
export interface PlanEntry {
  /** E.164 number, e.g. +14155550100. */
  number: string;
  carrier: CarrierName;
  siteId: string;
  /** E.164 number or sip: URI the calls are forwarded to. */
  forwardTo: string;
  label?: string;
}

/** `always` forwards every call; `on-failure` only calls the primary route cannot take (pre-armed). */
export type ForwardMode = 'always' | 'on-failure';
