/**
 * The fake's Elastic SIP Trunking v1: trunks (FetchTrunk, UpdateTrunk), their origination URLs
 * (List, Fetch, Create, Update) and phone numbers (List, Create, Delete), with Twilio's paging
 * (`meta.next_page_url`) and the rules the spec states in its field descriptions only (SipUrl
 * "must be a `sip:` schema", Priority 0-65535, Weight 1-65535, FriendlyName up to 64 characters).
 */
import { type FakeResponse, jsonResponse } from './fake-carrier-server';
import type { TwilioFakeState, TwilioFakeTrunkState } from './twilio-fake-state';

/** What the trunking handlers need from the fake. */
export interface TrunkingContext {
  readonly state: TwilioFakeState;
  /** Elastic SIP Trunking base URL (ends in /v1), for page and resource URLs. */
  readonly trunkingBaseUrl: string;
  /** The number as the APIs return it. */
  numberView(phoneNumber: string): Record<string, unknown>;
  /** Twilio's error answer. */
  error(status: number, code: number, message: string): FakeResponse;
}

/** The trunking operations; undefined for any other operation. */
export function handleTrunking(
  context: TrunkingContext,
  operation: string,
  params: Record<string, string>,
  query: Record<string, string>,
  form: Record<string, string>,
): FakeResponse | undefined {
  const { state } = context;
  const trunk = state.trunks.get(params.TrunkSid ?? params.Sid);
  const missing = () => context.error(404, 20404, `The requested resource was not found`);
  switch (operation) {
    case 'FetchTrunk':
      return trunk ? jsonResponse(200, trunkView(trunk)) : missing();
    case 'UpdateTrunk': {
      if (!trunk) return missing();
      if (form.DisasterRecoveryUrl !== undefined) trunk.disaster_recovery_url = form.DisasterRecoveryUrl;
      if (form.DisasterRecoveryMethod !== undefined)
        trunk.disaster_recovery_method = form.DisasterRecoveryMethod;
      return jsonResponse(200, trunkView(trunk), { applied: [trunk.sid] });
    }
    case 'ListOriginationUrl':
      if (!trunk) return missing();
      return jsonResponse(
        200,
        page(context, `Trunks/${trunk.sid}/OriginationUrls`, 'origination_urls', query, urlViews(trunk)),
      );
    case 'FetchOriginationUrl':
    case 'UpdateOriginationUrl':
    case 'CreateOriginationUrl': {
      if (!trunk) return missing();
      if (operation === 'CreateOriginationUrl') {
        const created = {
          sid: state.newSid('OU'),
          sip_url: form.SipUrl,
          priority: Number(form.Priority),
          weight: Number(form.Weight),
          enabled: form.Enabled === 'true',
          friendly_name: form.FriendlyName,
        };
        trunk.origination_urls.push(created);
        return jsonResponse(201, { ...created, trunk_sid: trunk.sid }, { applied: [created.sid] });
      }
      const url = trunk.origination_urls.find((candidate) => candidate.sid === params.Sid);
      if (!url) return missing();
      if (operation === 'FetchOriginationUrl') return jsonResponse(200, { ...url, trunk_sid: trunk.sid });
      if (form.Enabled !== undefined) url.enabled = form.Enabled === 'true';
      if (form.Priority !== undefined) url.priority = Number(form.Priority);
      if (form.Weight !== undefined) url.weight = Number(form.Weight);
      if (form.SipUrl !== undefined) url.sip_url = form.SipUrl;
      if (form.FriendlyName !== undefined) url.friendly_name = form.FriendlyName;
      return jsonResponse(200, { ...url, trunk_sid: trunk.sid }, { applied: [url.sid] });
    }
    case 'ListPhoneNumber': {
      if (!trunk) return missing();
      const numbers = [...state.numbers.values()].filter((number) => number.trunk_sid === trunk.sid);
      const views = numbers.map((number) => phoneNumberView(context, trunk, number.phone_number));
      return jsonResponse(
        200,
        page(context, `Trunks/${trunk.sid}/PhoneNumbers`, 'phone_numbers', query, views),
      );
    }
    case 'CreatePhoneNumber': {
      if (!trunk) return missing();
      const number = state.numberBySid(form.PhoneNumberSid);
      if (!number) return context.error(404, 20404, `No IncomingPhoneNumber ${form.PhoneNumberSid}`);
      // As setting a TrunkSid does: "will automatically delete your voice_application_sid".
      number.trunk_sid = trunk.sid;
      number.voice_application_sid = '';
      return jsonResponse(201, phoneNumberView(context, trunk, number.phone_number), {
        applied: [number.phone_number],
      });
    }
    case 'DeletePhoneNumber': {
      const number = state.numberBySid(params.Sid);
      if (!trunk || number?.trunk_sid !== trunk.sid) return missing();
      number.trunk_sid = null;
      return { status: 204, applied: [number.phone_number] };
    }
    default:
      return undefined;
  }
}

/**
 * Problems with the rules the spec states only in its field descriptions (the schema has no
 * pattern or range for them), checked like the schema: a request breaking them is a violation.
 */
export function documentedRuleProblems(operation: string, form: Record<string, string>): string[] {
  if (operation !== 'CreateOriginationUrl' && operation !== 'UpdateOriginationUrl') {
    return [];
  }
  const problem = originationUrlProblem(form);
  return problem ? [`body: ${problem}`] : [];
}

function originationUrlProblem(form: Record<string, string>): string | undefined {
  if (form.SipUrl !== undefined && !/^sip:/i.test(form.SipUrl)) {
    return `SipUrl must be a sip: URI, got ${form.SipUrl}`;
  }
  if (form.Priority !== undefined && !(Number(form.Priority) >= 0 && Number(form.Priority) <= 65535)) {
    return `Priority must be 0-65535, got ${form.Priority}`;
  }
  if (form.Weight !== undefined && !(Number(form.Weight) >= 1 && Number(form.Weight) <= 65535)) {
    return `Weight must be 1-65535, got ${form.Weight}`;
  }
  if (form.FriendlyName !== undefined && form.FriendlyName.length > 64) {
    return 'FriendlyName must be at most 64 characters';
  }
  return undefined;
}

function page(
  context: TrunkingContext,
  path: string,
  key: string,
  query: Record<string, string>,
  items: unknown[],
): Record<string, unknown> {
  const size = Number(query.PageSize ?? 50);
  const index = Number(query.Page ?? 0);
  const url = (at: number) => `${context.trunkingBaseUrl}/${path}?PageSize=${size}&Page=${at}`;
  const more = (index + 1) * size < items.length;
  return {
    [key]: items.slice(index * size, (index + 1) * size),
    meta: {
      key,
      page: index,
      page_size: size,
      first_page_url: url(0),
      url: url(index),
      previous_page_url: index > 0 ? `${url(index - 1)}&PageToken=PB${index - 1}` : null,
      next_page_url: more ? `${url(index + 1)}&PageToken=PA${index + 1}` : null,
    },
  };
}

function urlViews(trunk: TwilioFakeTrunkState): Record<string, unknown>[] {
  return trunk.origination_urls.map((url) => ({ ...url, trunk_sid: trunk.sid }));
}

function phoneNumberView(
  context: TrunkingContext,
  trunk: TwilioFakeTrunkState,
  phoneNumber: string,
): Record<string, unknown> {
  const view = context.numberView(phoneNumber);
  return { ...view, url: `${context.trunkingBaseUrl}/Trunks/${trunk.sid}/PhoneNumbers/${view.sid}` };
}

/** A trunk as FetchTrunk and UpdateTrunk return it. */
export function trunkView(trunk: TwilioFakeTrunkState): Record<string, unknown> {
  return {
    sid: trunk.sid,
    disaster_recovery_url: trunk.disaster_recovery_url,
    disaster_recovery_method: trunk.disaster_recovery_method,
    friendly_name: 'fake trunk',
    domain_name: 'fake.pstn.twilio.com',
  };
}
