import { parseForwardingPlan } from '../../lambdas/contracts/config/forwarding-plan';

const context = {
  carriers: ['telnyx', 'twilio'] as const,
  sites: [
    { id: 'phx-primary', role: 'primary' as const },
    { id: 'dal-standby', role: 'standby' as const },
  ],
};

describe('parseForwardingPlan', () => {
  it('parses valid rows, skipping comments and blank lines, keeping quoted labels', () => {
    const csv = [
      '# plan',
      'number,carrier,site,forwardTo,label',
      '+14155550100,telnyx,phx-primary,+12145550100,"Main line, reception"',
      '',
      '+14155550101,twilio,phx-primary,sip:backup@sbc2.example.net',
    ].join('\n');

    const { entries, problems } = parseForwardingPlan(csv, 'numbers.csv', context);

    expect(problems).toEqual([]);
    expect(entries).toEqual([
      {
        number: '+14155550100',
        carrier: 'telnyx',
        siteId: 'phx-primary',
        forwardTo: '+12145550100',
        label: 'Main line, reception',
      },
      {
        number: '+14155550101',
        carrier: 'twilio',
        siteId: 'phx-primary',
        forwardTo: 'sip:backup@sbc2.example.net',
      },
    ]);
  });

  it('reports each bad row with its line number, the column, what is expected and what was found', () => {
    const csv = [
      'number,carrier,site,forwardTo',
      '4155550100,telnyx,phx-primary,+12145550100',
      '+14155550101,vonage,phx-primary,+12145550100',
      '+14155550102,bandwidth,nowhere,+12145550100',
      '+14155550103,telnyx,dal-standby,backup',
      '+14155550104,telnyx,phx-primary,+14155550104',
      '+14155550105,telnyx,phx-primary,+12145550100',
      '+14155550105,telnyx,phx-primary,+12145550100',
    ].join('\n');

    const { entries, problems } = parseForwardingPlan(csv, 'plan.csv', context);

    expect(problems).toEqual([
      'plan.csv:2: number: expected an E.164 number such as +14155550100, got "4155550100"',
      'plan.csv:3: carrier: expected one of telnyx, twilio, bandwidth, webhook, got "vonage"',
      'plan.csv:4: carrier: expected a carrier configured under carriers (telnyx, twilio), got "bandwidth"',
      'plan.csv:4: site: expected a site id from the config (phx-primary, dal-standby), got "nowhere"',
      'plan.csv:5: site: expected a primary site (only primary sites are failed over), got "dal-standby"',
      'plan.csv:5: forwardTo: expected an E.164 number or a sip: URI such as sip:backup@sbc2.example.net, got "backup"',
      'plan.csv:6: forwardTo: expected a destination other than the number itself, got "+14155550104"',
      'plan.csv:8: number: +14155550105 is listed twice (first at line 7); keep one row',
    ]);
    expect(entries.map((entry) => entry.number)).toEqual(['+14155550105']);
  });

  it('rejects a header with missing or unknown columns', () => {
    const { problems } = parseForwardingPlan(
      'number,carrier,destination\n+14155550100,telnyx,x\n',
      'plan.csv',
      context,
    );

    expect(problems).toEqual([
      'plan.csv:1: header: missing columns site, forwardTo; unknown column destination; expected the header number,carrier,site,forwardTo,label',
    ]);
  });

  it('rejects an empty plan and broken CSV quoting', () => {
    expect(parseForwardingPlan('number,carrier,site,forwardTo\n', 'plan.csv', context).problems).toEqual([
      'plan.csv: no numbers: expected at least one row after the header',
    ]);
    expect(
      parseForwardingPlan('number,carrier,site,forwardTo\n"+1415,telnyx\n', 'plan.csv', context).problems[0],
    ).toMatch(/^plan\.csv:\d+: not valid CSV: /);
  });
});
