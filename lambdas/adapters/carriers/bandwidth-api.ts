/**
 * The Bandwidth Dashboard API (XML) as the Bandwidth adapter's parts call it: Basic auth, the
 * account's URLs, XML bodies built and answers validated then parsed.
 */
import { XMLBuilder, XMLParser, XMLValidator } from 'fast-xml-parser';
import { DEFAULT_BASE_URLS } from '../../contracts/config/config-constants';
import {
  CarrierHttpClient,
  type CarrierHttpOptions,
  type CarrierHttpRequest,
  malformedResponse,
} from './carrier-http';

const XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>';

/** Elements that may repeat, so they always parse as arrays (a TN list entry only inside its list). */
const REPEATED = new Set([
  'TnOptionGroup',
  'TnOptionOrderSummary',
  'TelephoneNumber',
  'Error',
  'Warning',
  'Route',
]);

const parser = new XMLParser({
  parseTagValue: false,
  isArray: (name, jpath) =>
    REPEATED.has(name) ||
    (name === 'SipPeerTelephoneNumber' &&
      String(jpath).endsWith('SipPeerTelephoneNumbers.SipPeerTelephoneNumber')),
});
const builder = new XMLBuilder({});

/** How to reach the account. */
export interface BandwidthApiOptions extends CarrierHttpOptions {
  readonly accountId: string;
  readonly username: string;
  readonly password: string;
  /** @default https://dashboard.bandwidth.com/api/v1 */
  readonly baseUrl?: string;
}

/** A parsed XML answer: elements as properties, text as strings. */
export type XmlDocument = Record<string, unknown>;

/** Sends Bandwidth requests and parses their XML answers. */
export class BandwidthApi {
  readonly baseUrl: string;
  readonly accountUrl: string;
  private readonly http: CarrierHttpClient;
  private readonly authorization: string;

  constructor(options: BandwidthApiOptions) {
    this.http = new CarrierHttpClient('bandwidth', options);
    this.baseUrl = (options.baseUrl ?? DEFAULT_BASE_URLS.bandwidth).replace(/\/+$/, '');
    this.accountUrl = `${this.baseUrl}/accounts/${encodeURIComponent(options.accountId)}`;
    this.authorization = `Basic ${Buffer.from(`${options.username}:${options.password}`).toString('base64')}`;
  }

  /** The URL of a SIP peer (`/accounts/{accountId}/sites/{siteId}/sippeers/{sipPeerId}`). */
  sipPeerUrl(siteId: string, sipPeerId: string): string {
    return `${this.accountUrl}/sites/${encodeURIComponent(siteId)}/sippeers/${encodeURIComponent(sipPeerId)}`;
  }

  /** A GET request for `send`. */
  get(operation: string, subject: string, url: string): CarrierHttpRequest {
    return { operation, subject, method: 'GET', url, headers: this.headers(false) };
  }

  /** A request with an XML body (the document's root element is the body's). */
  write(
    operation: string,
    subject: string,
    method: 'POST' | 'PUT',
    url: string,
    document: XmlDocument,
  ): CarrierHttpRequest {
    return {
      operation,
      subject,
      method,
      url,
      headers: this.headers(true),
      body: `${XML_DECLARATION}${builder.build(document)}`,
    };
  }

  /** Sends the request; returns the parsed answer (an empty 2xx answer parses as `{}`). */
  async send(request: CarrierHttpRequest): Promise<XmlDocument> {
    const response = await this.http.send(request);
    if (response.text.trim() === '') {
      return {};
    }
    // fast-xml-parser accepts truncated documents, so validate first: a cut-off answer must read
    // as malformed (retryable), not as an order with no errors.
    const valid = XMLValidator.validate(response.text);
    if (valid !== true) {
      throw malformedResponse('bandwidth', request, `invalid XML: ${valid.err.msg}`);
    }
    return parser.parse(response.text) as XmlDocument;
  }

  private headers(withBody: boolean): Record<string, string> {
    return {
      Authorization: this.authorization,
      Accept: 'application/xml',
      ...(withBody ? { 'Content-Type': 'application/xml' } : {}),
    };
  }
}

/** The child element `name` of a parsed element, when it is an element (not text). */
export function childOf(element: unknown, name: string): XmlDocument | undefined {
  const child = (element as XmlDocument | undefined)?.[name];
  return typeof child === 'object' && child !== null && !Array.isArray(child)
    ? (child as XmlDocument)
    : undefined;
}

/** The trimmed text of child element `name`, or undefined when absent or empty. */
export function textOf(element: unknown, name: string): string | undefined {
  const child = (element as XmlDocument | undefined)?.[name];
  return typeof child === 'string' && child.trim() !== '' ? child.trim() : undefined;
}

/** The child elements `name` of a parsed element, one or many (the parser makes a lone one an object). */
export function childrenOf(element: unknown, name: string): XmlDocument[] {
  const child = (element as XmlDocument | undefined)?.[name];
  const all = Array.isArray(child) ? child : [child];
  return all.filter((item): item is XmlDocument => typeof item === 'object' && item !== null);
}
