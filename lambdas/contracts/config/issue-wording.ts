import type * as z from 'zod';
import {
  allowedKeysOf,
  definitionOf,
  enumValuesOf,
  fieldAt,
  type NodeDefinition,
  type SchemaField,
  type SchemaNode,
  unwrap,
} from './schema-fields';
import { preview } from './value-preview';

/**
 * Our wording for zod issues: what is expected and how to fix it, never zod's own text ("Invalid
 * input: expected array, received undefined"). What a field is and expects is read from the schema
 * itself (its `.describe()` texts and the `error` messages it was written with), so a new field is
 * worded well without touching this file.
 */

/** zod's English messages all start so; our schema's own messages never do. */
const ZOD_DEFAULT_MESSAGE = /^(Invalid\b|Too (small|big)\b|Unrecognized key)/;

const STRING_FORMATS: Record<string, string> = {
  email: 'an email address',
  url: 'a URL',
  uuid: 'a UUID',
  ipv4: 'an IPv4 address',
  ipv6: 'an IPv6 address',
  datetime: 'an ISO date and time such as 2024-05-01T15:00:00Z',
  date: 'an ISO date such as 2024-05-01',
  time: 'a time such as 15:00:00',
  duration: 'an ISO duration such as PT5M',
};

/** What zod's `expected` names, in our words, for when the schema node cannot be found. */
const TYPE_NAMES: Record<string, string> = {
  string: 'a text value',
  number: 'a number',
  int: 'an integer',
  bigint: 'a whole number',
  boolean: 'true or false',
  array: 'a list',
  tuple: 'a list',
  object: 'a mapping',
  record: 'a mapping',
  map: 'a mapping',
  set: 'a list',
  date: 'a date',
  null: 'null',
};

/**
 * One issue in our words: `required: add ...` for a missing field, `<expected>, got <found>` for a
 * wrong one, `unknown field "x": ...` for an unknown key. Messages our schema wrote itself are kept;
 * cross-field rules (custom issues with our own message) say what they found already.
 */
export function wordIssue(issue: z.core.$ZodIssue, schema: SchemaNode): string {
  const own = ourMessage(issue.message);
  const field = fieldAt(schema, issue.path);
  switch (issue.code) {
    case 'invalid_type':
      if (isMissing(issue)) return requiredField(field, own);
      return `${withFound(own ?? `expected ${field ? expectationOf(field.node) : typeName(issue.expected)}`, issue)}${nullHint(issue, field)}`;
    case 'too_small':
      return withFound(own ?? `expected ${lowerBound(issue)}`, issue);
    case 'too_big':
      return withFound(own ?? `expected ${upperBound(issue)}`, issue);
    case 'invalid_format':
      return withFound(own ?? `expected ${formatName(issue)}`, issue);
    case 'not_multiple_of':
      return withFound(own ?? `expected a multiple of ${issue.divisor}`, issue);
    case 'invalid_value':
      if (isMissing(issue)) return requiredField(field, own);
      return withFound(own ?? `expected ${oneOf(issue.values)}`, issue);
    case 'unrecognized_keys':
      return unknownFields(issue.keys, field);
    case 'invalid_key':
      return invalidKey(issue, fieldAt(schema, issue.path.slice(0, -1)));
    case 'invalid_element':
      return withFound(own ?? `expected every item to be ${itemExpectation(field)}`, issue);
    case 'invalid_union':
      if (isMissing(issue)) return requiredField(field, own);
      return withFound(
        own ?? `expected ${field ? expectationOf(field.node) : 'one of the allowed forms'}`,
        issue,
      );
    case 'custom':
      return own ?? withFound(`expected ${field ? expectationOf(field.node) : 'a valid value'}`, issue);
    default:
      return own ?? `expected ${field ? expectationOf(field.node) : 'a valid value'}`;
  }
}

/**
 * What a node expects, as a noun phrase without "expected": "an integer 1-65535", "a list of at least
 * one site", "a mapping with id, role". The schema's own message wins when it has one.
 */
function expectationOf(node: SchemaNode): string {
  const inner = unwrap(node);
  const definition = definitionOf(inner);
  const own = nounOf(messageOf(definition.error));
  if (own) return own;
  const checkNouns = (definition.checks ?? []).map((check) => nounOf(messageOf(check._zod.def.error)));
  switch (definition.type) {
    case 'array': {
      const atLeast = checkNouns.find((noun) => noun?.startsWith('at least '));
      if (atLeast) return `a list of ${atLeast}`;
      return definition.element ? `a list, each item ${expectationOf(definition.element)}` : 'a list';
    }
    case 'object':
      return mappingOf(definition.shape ?? {});
    case 'record': {
      const keys = definition.keyType && enumValuesOf(definition.keyType);
      return keys ? `a mapping keyed by ${keys.join(', ')}` : 'a mapping';
    }
    case 'enum':
    case 'literal':
      return oneOf(enumValuesOf(inner) ?? []);
    case 'union':
      return (definition.options ?? []).map(expectationOf).join(' or ');
    default:
      return checkNouns.find(Boolean) ?? scalarExpectation(definition);
  }
}

function scalarExpectation(definition: NodeDefinition): string {
  const checks = (definition.checks ?? []).map((check) => check._zod.def);
  if (definition.type === 'string') {
    if (definition.format && STRING_FORMATS[definition.format]) return STRING_FORMATS[definition.format];
    const minimum = checks.find((check) => check.check === 'min_length')?.minimum ?? 0;
    return minimum > 0 ? 'a non-empty text value' : 'a text value';
  }
  if (definition.type === 'number') {
    const base = definition.format?.includes('int') ? 'an integer' : 'a number';
    const low = checks.find((check) => check.check === 'greater_than');
    const high = checks.find((check) => check.check === 'less_than');
    if (low?.inclusive && high?.inclusive) return `${base} ${low.value}-${high.value}`;
    const bounds = [
      low && `${low.inclusive ? 'at least' : 'above'} ${low.value}`,
      high && `${high.inclusive ? 'at most' : 'below'} ${high.value}`,
    ].filter(Boolean);
    return bounds.length > 0 ? `${base} ${bounds.join(' and ')}` : base;
  }
  return typeName(definition.type);
}

/** Fields a user must write first; an all-optional mapping lists what may go in it. */
function mappingOf(shape: Record<string, SchemaNode>): string {
  const keys = Object.keys(shape);
  // zod marks a field that may be left out (optional or defaulted) with `optin`.
  const required = keys.filter((key) => shape[key]._zod.optin === undefined);
  if (required.length > 0) return `a mapping with ${required.join(', ')}`;
  return keys.length > 0 ? `a mapping with any of ${keys.join(', ')}` : 'an empty mapping';
}

function requiredField(field: SchemaField | undefined, own: string | undefined): string {
  const what = nounOf(own) ?? (field ? expectationOf(field.node) : 'a value');
  const about = field?.description ? `. ${capitalized(field.description)}` : '';
  return `required: add ${what}${about}`;
}

/** Fields an earlier config had under `carriers`, and where they live now. */
const MOVED_FIELDS: Record<string, string> = {
  backupConnectionId:
    "sites[].failover.telnyx.backupConnectionId (a site's route, with mode switch or native)",
  primaryConnectionId: "sites[].failover.telnyx.connectionId (a site's route, with mode switch or native)",
  trunkSid: "sites[].failover.twilio.trunkSid (a site's route, with mode switch or native)",
};

function unknownFields(keys: readonly string[], field: SchemaField | undefined): string {
  const allowed = field ? allowedKeysOf(field.node) : [];
  const moved = keys.length === 1 ? MOVED_FIELDS[keys[0]] : undefined;
  if (moved) return `unknown field "${keys[0]}": it moved to ${moved}`;
  const names = keys.map((key) => `"${key}"`).join(', ');
  const allowedHere = allowed.length > 0 ? ` (allowed here: ${allowed.join(', ')})` : '';
  const suggestion = keys.length === 1 ? closestName(keys[0], allowed) : undefined;
  if (suggestion) return `unknown field ${names}: did you mean "${suggestion}"?${allowedHere}`;
  if (keys.length === 1) return `unknown field ${names}: remove it or correct its spelling${allowedHere}`;
  return `unknown fields ${names}: remove them or correct their spelling${allowedHere}`;
}

function invalidKey(issue: z.core.$ZodIssueInvalidKey, record: SchemaField | undefined): string {
  const keyType = record && definitionOf(unwrap(record.node)).keyType;
  const [inner] = issue.issues;
  const expected = inner && keyType ? wordIssue(inner, keyType) : 'expected a valid key';
  return `not an allowed key: ${expected}; rename or remove it`;
}

function itemExpectation(field: SchemaField | undefined): string {
  const definition = field && definitionOf(unwrap(field.node));
  const item = definition?.valueType ?? definition?.element;
  return item ? expectationOf(item) : 'a valid value';
}

/**
 * The allowed name a misspelt one most likely meant: same letters in another case, or at most one
 * edit in three letters away.
 */
function closestName(name: string, allowed: readonly string[]): string | undefined {
  let best: { candidate: string; distance: number } | undefined;
  for (const candidate of allowed) {
    const distance =
      candidate.toLowerCase() === name.toLowerCase()
        ? 0
        : editDistance(name.toLowerCase(), candidate.toLowerCase());
    if (distance <= Math.max(1, Math.floor(candidate.length / 3)) && (!best || distance < best.distance)) {
      best = { candidate, distance };
    }
  }
  return best?.candidate;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(
        previous[j] + 1,
        current[j - 1] + 1,
        previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    }
    previous = current;
  }
  return previous[b.length];
}

function lowerBound(issue: z.core.$ZodIssueTooSmall): string {
  const minimum = Number(issue.minimum);
  if (issue.origin === 'string') {
    return minimum === 1 ? 'a non-empty text value' : `at least ${minimum} characters`;
  }
  if (issue.origin === 'array' || issue.origin === 'set') {
    return `at least ${minimum === 1 ? 'one item' : `${minimum} items`}`;
  }
  return `${issue.inclusive === false ? 'more than' : 'at least'} ${minimum}`;
}

function upperBound(issue: z.core.$ZodIssueTooBig): string {
  const maximum = Number(issue.maximum);
  if (issue.origin === 'string') return `at most ${maximum} characters`;
  if (issue.origin === 'array' || issue.origin === 'set') {
    return `at most ${maximum === 1 ? 'one item' : `${maximum} items`}`;
  }
  return `${issue.inclusive === false ? 'less than' : 'at most'} ${maximum}`;
}

function formatName(issue: z.core.$ZodIssueInvalidStringFormat): string {
  const details = issue as { prefix?: string; suffix?: string; includes?: string };
  switch (issue.format) {
    case 'starts_with':
      return `text starting with "${details.prefix}"`;
    case 'ends_with':
      return `text ending with "${details.suffix}"`;
    case 'includes':
      return `text containing "${details.includes}"`;
    case 'regex':
      return `text matching the pattern ${issue.pattern}`;
    default:
      return STRING_FORMATS[issue.format] ?? `a valid ${issue.format}`;
  }
}

function oneOf(values: readonly unknown[]): string {
  const shown = values.map((value) => (typeof value === 'string' ? value : JSON.stringify(value)));
  return shown.length === 1 ? shown[0] : `one of ${shown.join(', ')}`;
}

function typeName(type: string): string {
  return TYPE_NAMES[type] ?? 'a valid value';
}

/** A key present with no value (YAML `key:`) reads as null; leaving it out is usually what was meant. */
function nullHint(issue: z.core.$ZodIssue, field: SchemaField | undefined): string {
  if (!('input' in issue) || issue.input !== null) return '';
  if (field?.hasDefault) return '; leave the field out to use its default';
  if (field?.optional) return '; leave the field out if it is not used';
  return '';
}

function withFound(message: string, issue: z.core.$ZodIssue): string {
  return 'input' in issue && issue.input !== undefined ? `${message}, got ${preview(issue.input)}` : message;
}

/**
 * A field left out reaches its schema as undefined (YAML and JSON cannot write undefined). Without
 * `reportInput` zod leaves `input` out; a type issue's message then still says "received undefined".
 */
function isMissing(issue: z.core.$ZodIssue): boolean {
  if ('input' in issue) return issue.input === undefined;
  return issue.code === 'invalid_type' && / received undefined$/.test(issue.message);
}

function ourMessage(message: string): string | undefined {
  return ZOD_DEFAULT_MESSAGE.test(message) ? undefined : message;
}

/** "expected a site id" → "a site id"; a message in another shape is no noun phrase. */
function nounOf(message: string | undefined): string | undefined {
  return message?.startsWith('expected ') ? message.slice('expected '.length) : undefined;
}

/** A schema's `error` option is stored as a function; ours are constant strings. */
function messageOf(error: ((issue: unknown) => unknown) | undefined): string | undefined {
  if (!error) return undefined;
  try {
    const result = error({ code: 'custom', path: [], input: undefined });
    if (typeof result === 'string') return result;
    return typeof (result as { message?: unknown })?.message === 'string'
      ? (result as { message: string }).message
      : undefined;
  } catch {
    return undefined;
  }
}

function capitalized(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
