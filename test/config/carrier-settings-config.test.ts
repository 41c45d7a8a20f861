/**
 * The carrier settings the carriers' docs leave open: Telnyx's jobs in flight, Bandwidth's order
 * size, orders in flight and whether TNs have route plans of their own. Each has a default, a range
 * and a problem line that names the field and what it takes.
 */
import { loadConfig } from '../../lib/config/load-config';
import { configProblemsOf, exampleConfigObject, writeDeploymentFiles } from '../support/config-files';

// biome-ignore lint/suspicious/noExplicitAny: tests reach into the parsed YAML freely to change it.
type ConfigObject = Record<string, any>;

function withCarriers(change: (carriers: ConfigObject) => void): ConfigObject {
  const config = exampleConfigObject();
  change(config.carriers);
  return config;
}

const problemsOf = configProblemsOf;

describe('carrier settings the carriers do not document', () => {
  it('defaults to 20 Telnyx jobs, 5,000 numbers an order, 5 orders in flight and possible route plans', () => {
    const { carriers } = loadConfig(writeDeploymentFiles(exampleConfigObject()));

    expect(carriers.telnyx?.bulkJobsInFlight).toBe(20);
    expect(carriers.bandwidth).toMatchObject({
      bulkOrderNumbers: 5000,
      bulkOrdersInFlight: 5,
      numberRoutePlans: 'possible',
    });
  });

  it('accepts values at the ends of each range and numberRoutePlans none', () => {
    const config = withCarriers((carriers) => {
      carriers.telnyx.bulkJobsInFlight = 1;
      Object.assign(carriers.bandwidth, {
        bulkOrderNumbers: 1,
        bulkOrdersInFlight: 50,
        numberRoutePlans: 'none',
      });
    });

    const { carriers } = loadConfig(writeDeploymentFiles(config));

    expect(carriers.telnyx?.bulkJobsInFlight).toBe(1);
    expect(carriers.bandwidth).toMatchObject({
      bulkOrderNumbers: 1,
      bulkOrdersInFlight: 50,
      numberRoutePlans: 'none',
    });
  });

  it.each<[string, (carriers: ConfigObject) => void, string]>([
    [
      'more Telnyx jobs than Telnyx allows pending',
      (carriers) => {
        carriers.telnyx.bulkJobsInFlight = 21;
      },
      'carriers.telnyx.bulkJobsInFlight: expected an integer 1-20, got 21',
    ],
    [
      'no Telnyx job at all',
      (carriers) => {
        carriers.telnyx.bulkJobsInFlight = 0;
      },
      'carriers.telnyx.bulkJobsInFlight: expected an integer 1-20, got 0',
    ],
    [
      'a Bandwidth order larger than 5,000 numbers',
      (carriers) => {
        carriers.bandwidth.bulkOrderNumbers = 5001;
      },
      'carriers.bandwidth.bulkOrderNumbers: expected an integer 1-5000, got 5001',
    ],
    [
      'a fractional number of Bandwidth orders',
      (carriers) => {
        carriers.bandwidth.bulkOrdersInFlight = 2.5;
      },
      'carriers.bandwidth.bulkOrdersInFlight: expected an integer 1-50, got 2.5',
    ],
    [
      'too many Bandwidth orders in flight',
      (carriers) => {
        carriers.bandwidth.bulkOrdersInFlight = 51;
      },
      'carriers.bandwidth.bulkOrdersInFlight: expected an integer 1-50, got 51',
    ],
    [
      'a route plan answer other than possible or none',
      (carriers) => {
        carriers.bandwidth.numberRoutePlans = 'never';
      },
      'carriers.bandwidth.numberRoutePlans: expected possible or none, got "never"',
    ],
  ])('rejects %s, naming the field and what it takes', (_, change, expected) => {
    expect(problemsOf(withCarriers(change))).toEqual([expected]);
  });
});
