/**
 * A local Telnyx API v2 for tests and the drill: phone numbers with voice settings, FQDN
 * connections with their ordered FQDNs and routing method, the bulk update jobs (which complete
 * after a few polls), Telnyx's error bodies and auth, every request checked against
 * lib/developer/carrier-fakes/contracts/telnyx-contract.json, and `routeCall`: where a call to a
 * number goes right now (telnyx-fake-routing.ts).
 */

import type { SiteRoute } from '../../../lambdas/ports/carrier-routes';
import type { CallPath, RoutesCalls, TargetIsUp } from './call-routing';
import { type ContractOperation, ContractValidator, type JsonSchema } from './contract-validator';
import contract from './contracts/telnyx-contract.json';
import {
  type FakeCarrierOptions,
  FakeCarrierServer,
  type FakeRequest,
  type FakeResponse,
  jsonResponse,
} from './fake-carrier-server';
import {
  addFqdn,
  createFqdn,
  listFqdns,
  orderedFqdns,
  retrieveConnection,
  updateConnection,
} from './telnyx-fake-connections';
import { TelnyxFakeJobs } from './telnyx-fake-jobs';
import { listNumbers, listVoiceSettings } from './telnyx-fake-numbers';
import { routeTelnyxCall } from './telnyx-fake-routing';
import {
  applyCallForwarding,
  notFound,
  sipTargetOf,
  type TelnyxFakeAccount,
  type TelnyxFakeCallForwarding,
  type TelnyxFakeConnection,
  type TelnyxFakeFqdn,
  type TelnyxFakeNumberState,
  type TelnyxRoutingMethod,
  telnyxErrors,
  voiceView,
} from './telnyx-fake-state';

export type {
  TelnyxFakeCallForwarding,
  TelnyxFakeConnection,
  TelnyxFakeFqdn,
  TelnyxFakeNumberState,
  TelnyxRoutingMethod,
} from './telnyx-fake-state';

/** A number to seed; unset fields get defaults (no forwarding, connection `1111111111`). */
export interface TelnyxFakeNumber {
  phoneNumber: string;
  id?: string;
  connectionId?: string;
  callForwarding?: Partial<TelnyxFakeCallForwarding>;
}

/** An FQDN connection to seed: its SIP targets (`sip:host:port`, or `sip:host` for an srv record) in order. */
export interface TelnyxFakeConnectionSeed {
  id: string;
  /** @default `connection-<id>` */
  name?: string;
  /** Become the primary, secondary and tertiary FQDNs, in this order; a fourth and more are only listed. */
  targets: string[];
  /** @default sequential (Telnyx's default) */
  routingMethod?: TelnyxRoutingMethod;
}

/** A connection as the fake holds it, with its FQDNs and its targets in the order Telnyx tries them. */
export interface TelnyxFakeConnectionView {
  connection: TelnyxFakeConnection;
  fqdns: TelnyxFakeFqdn[];
  targets: string[];
}

/** Telnyx fake options. */
export interface TelnyxFakeOptions extends FakeCarrierOptions {
  /** The API key the fake accepts. @default KEYtest */
  readonly apiKey?: string;
  /** RetrievePhoneNumbersJob calls before a job completes. @default 2 */
  readonly jobPollsToComplete?: number;
  /**
   * Most numbers one filter job picks. Telnyx's spec reads both as "every match" and as "1,000 a
   * job" (telnyx-fake-jobs.ts); set 1000 to model the second. @default every match
   */
  readonly filterJobLimit?: number;
}

/** The fake Telnyx. Start it, give adapters `baseUrl` (which ends in /v2) and the api key. */
export class TelnyxFake extends FakeCarrierServer implements RoutesCalls {
  /** The API key the fake accepts. */
  readonly apiKey: string;
  private readonly validator = new ContractValidator(
    contract.operations as unknown as ContractOperation[],
    contract.definitions as Record<string, JsonSchema>,
  );
  private nextId = 0;
  private readonly account: TelnyxFakeAccount = {
    numbers: new Map(),
    connections: new Map(),
    fqdns: new Map(),
    newId: () => {
      this.nextId += 1;
      return String(1293384261075731000n + BigInt(this.nextId));
    },
  };
  private readonly jobs: TelnyxFakeJobs;

  constructor(telnyxOptions: TelnyxFakeOptions = {}) {
    super(telnyxOptions, '/v2');
    this.apiKey = telnyxOptions.apiKey ?? 'KEYtest';
    this.jobs = new TelnyxFakeJobs(
      this.account,
      telnyxOptions.jobPollsToComplete ?? 2,
      telnyxOptions.filterJobLimit,
      () => this.now(),
    );
  }

  /** Adds numbers (replacing any with the same phone number). */
  seedNumbers(numbers: TelnyxFakeNumber[]): void {
    for (const number of numbers) {
      const id = this.account.newId();
      this.account.numbers.set(number.phoneNumber, {
        id: number.id ?? id,
        phone_number: number.phoneNumber,
        connection_id: number.connectionId ?? '1111111111',
        call_forwarding: {
          call_forwarding_enabled: true,
          forwards_to: null,
          forwarding_type: 'always',
          ...number.callForwarding,
        },
      });
    }
  }

  /** Adds (or replaces) an FQDN connection with its FQDNs, the first three as primary, secondary, tertiary. */
  seedConnection(seed: TelnyxFakeConnectionSeed): void {
    for (const fqdn of [...this.account.fqdns.values()]) {
      if (fqdn.connection_id === seed.id) this.account.fqdns.delete(fqdn.id);
    }
    const fqdns = seed.targets.map((target) =>
      addFqdn(this.account, { connection_id: seed.id, ...parseTarget(target) }),
    );
    this.account.connections.set(seed.id, {
      id: seed.id,
      connection_name: seed.name ?? `connection-${seed.id}`,
      active: true,
      inbound: {
        default_routing_method: seed.routingMethod === undefined ? 'sequential' : seed.routingMethod,
        default_primary_fqdn_id: fqdns[0]?.id ?? null,
        default_secondary_fqdn_id: fqdns[1]?.id ?? null,
        default_tertiary_fqdn_id: fqdns[2]?.id ?? null,
        timeout_1xx_secs: 3,
        timeout_2xx_secs: 90,
      },
    });
  }

  /**
   * The provider's setup before an outage: the route's connection sending calls to
   * `route.primarySipUri` only, its backup connection (when the route names one) to
   * `route.backupSipUri`, and `numbers` on the route's connection (created when missing), with no
   * failover armed.
   */
  seedSiteRoute(route: SiteRoute, numbers: readonly string[]): void {
    const { connectionId, backupConnectionId } = route.ids;
    this.seedConnection({
      id: connectionId,
      name: `${route.siteId}-primary`,
      targets: [route.primarySipUri],
    });
    if (backupConnectionId) {
      this.seedConnection({
        id: backupConnectionId,
        name: `${route.siteId}-backup`,
        targets: [route.backupSipUri],
      });
    }
    const missing = numbers.filter((number) => !this.account.numbers.has(number));
    this.seedNumbers(missing.map((phoneNumber) => ({ phoneNumber, connectionId })));
    for (const number of numbers) {
      this.account.numbers.get(number)!.connection_id = connectionId;
    }
  }

  /** A copy of the number's current state, or undefined when it is not on the account. */
  routingOf(phoneNumber: string): TelnyxFakeNumberState | undefined {
    const state = this.account.numbers.get(phoneNumber);
    return state && structuredClone(state);
  }

  /** A copy of the connection, its FQDNs (creation order) and its targets in try order; undefined when absent. */
  connectionOf(id: string): TelnyxFakeConnectionView | undefined {
    const connection = this.account.connections.get(id);
    if (!connection) {
      return undefined;
    }
    return structuredClone({
      connection,
      fqdns: [...this.account.fqdns.values()].filter((fqdn) => fqdn.connection_id === id),
      targets: orderedFqdns(this.account, connection).map(sipTargetOf),
    });
  }

  /** Where a call to `number` goes right now (see telnyx-fake-routing.ts for Telnyx's precedence). */
  routeCall(number: string, isUp: TargetIsUp): CallPath {
    return routeTelnyxCall(this.account, number, isUp);
  }

  /** Makes every later job fail this number with a Telnyx error (in `failed_operations`). */
  failNumberInJobs(phoneNumber: string, error: { code?: string; detail: string }): void {
    this.jobs.failNumber(phoneNumber, { code: error.code ?? '10015', detail: error.detail });
  }

  /** Update jobs created and not yet completed (Telnyx allows 20). */
  pendingJobs(): number {
    return this.jobs.pendingCount();
  }

  protected rateLimited(retryAfterSeconds: number | undefined): FakeResponse {
    const reset = String(Math.ceil(this.now() / 1000) + (retryAfterSeconds ?? 1));
    return jsonResponse(429, telnyxErrors('10011', 'Too many requests', 'Rate limit exceeded.'), {
      headers: {
        'x-ratelimit-limit': String(this.options.rateLimitPerSecond ?? 0),
        'x-ratelimit-remaining': '0',
        ...(retryAfterSeconds === undefined
          ? {}
          : { 'Retry-After': String(retryAfterSeconds), 'x-ratelimit-reset': reset }),
      },
    });
  }

  protected serverError(status: number): FakeResponse {
    return jsonResponse(status, telnyxErrors('10007', 'Unexpected error', 'An unexpected error occured.'));
  }

  protected handle(request: FakeRequest): FakeResponse {
    if (request.headers.authorization !== `Bearer ${this.apiKey}`) {
      return jsonResponse(
        401,
        telnyxErrors('10009', 'Authentication failed', 'Could not understand the provided credentials.'),
      );
    }
    const matched = this.validator.match(request.method, request.path);
    if (!matched) {
      this.recordViolation(request, undefined, [`no Telnyx operation ${request.method} ${request.path}`]);
      return notFound();
    }
    const operation = matched.operation.operationId;
    let body: unknown;
    if (request.body !== '') {
      try {
        body = JSON.parse(request.body);
      } catch {
        this.recordViolation(request, operation, ['body: not valid JSON']);
        return jsonResponse(
          400,
          telnyxErrors('10015', 'Bad Request', 'The request body is not valid JSON.'),
          { operation },
        );
      }
    }
    const problems = this.validator.validate(matched, request.query, body, request.headers['content-type']);
    if (problems.length > 0) {
      this.recordViolation(request, operation, problems);
      return jsonResponse(422, telnyxErrors('10015', 'Bad Request', problems.join('; ')), { operation });
    }
    const answer = this.route(operation, matched.params, request.query, body as Record<string, unknown>);
    if (answer.status === 422 && !/pending or in progress jobs/.test(answer.body ?? '')) {
      // Refused for its content (no numbers, numbers not owned, an FQDN of another connection):
      // our mistake, like a schema violation. The pending-jobs limit is Telnyx's "come back later".
      this.recordViolation(request, operation, [answer.body ?? '']);
    }
    return { ...answer, operation };
  }

  private route(
    operation: string,
    params: Record<string, string>,
    query: Record<string, string>,
    body: Record<string, unknown>,
  ): FakeResponse {
    switch (operation) {
      case 'ListPhoneNumbers':
        return listNumbers(this.account, query);
      case 'ListPhoneNumbersWithVoiceSettings':
        return listVoiceSettings(this.account, query);
      case 'GetPhoneNumberVoiceSettings':
      case 'UpdatePhoneNumberVoiceSettings': {
        const state = [...this.account.numbers.values()].find((candidate) => candidate.id === params.id);
        if (!state) {
          return notFound();
        }
        if (operation === 'GetPhoneNumberVoiceSettings') {
          return jsonResponse(200, { data: voiceView(state) });
        }
        applyCallForwarding(state, (body.call_forwarding ?? {}) as Partial<TelnyxFakeCallForwarding>);
        return jsonResponse(200, { data: voiceView(state) }, { applied: [state.phone_number] });
      }
      case 'CreateUpdatePhoneNumbersJob':
        return this.jobs.create(body, query);
      case 'ListPhoneNumbersJobs':
        return this.jobs.list(query);
      case 'RetrievePhoneNumbersJob':
        return this.jobs.poll(params.id);
      case 'RetrieveFqdnConnection':
        return retrieveConnection(this.account, params.id);
      case 'UpdateFqdnConnection':
        return updateConnection(this.account, params.id, body);
      case 'ListFqdns':
        return listFqdns(this.account, query);
      case 'CreateFqdn':
        return createFqdn(this.account, body);
      default:
        return jsonResponse(404, telnyxErrors('10005', 'Resource not found', `no handler for ${operation}`));
    }
  }
}

/** `sip:[user@]host[:port][;params]` as an FQDN record: `a` with its port, `srv` without one. */
function parseTarget(target: string): Omit<TelnyxFakeFqdn, 'id' | 'connection_id'> {
  const match = /^sips?:(?:[^@]+@)?([^:;>]+)(?::(\d+))?/.exec(target);
  if (!match) {
    throw new Error(`TelnyxFake: "${target}" is not a sip: URI`);
  }
  return match[2]
    ? { fqdn: match[1], port: Number(match[2]), dns_record_type: 'a' }
    : { fqdn: match[1], port: null, dns_record_type: 'srv' };
}
