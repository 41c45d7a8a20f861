import { checkRequestAgainstSpec, loadOfficialSpec, officialSpecsPresent } from './official-spec';

if (officialSpecsPresent()) {
  describe('checkRequestAgainstSpec (official specs present)', () => {
    const sid = `PN${'1'.repeat(32)}`;
    const path = `/2010-04-01/Accounts/AC${'a'.repeat(32)}/IncomingPhoneNumbers/${sid}.json`;
    const form = 'application/x-www-form-urlencoded';

    it('accepts a request the Twilio spec defines', () => {
      const problems = checkRequestAgainstSpec(
        loadOfficialSpec('twilio/twilio_api_v2010.yaml'),
        {
          method: 'POST',
          path,
          query: {},
          contentType: form,
          body: { VoiceUrl: 'https://x.example.com', VoiceMethod: 'GET' },
        },
        { validateValues: true },
      );

      expect(problems).toEqual([]);
    });

    it('flags an unknown operation, an unknown query parameter, an unknown field and a bad value', () => {
      const spec = loadOfficialSpec('twilio/twilio_api_v2010.yaml');

      const unknownOperation = checkRequestAgainstSpec(spec, { method: 'PATCH', path, query: {} });
      const unknownQuery = checkRequestAgainstSpec(spec, { method: 'GET', path, query: { Colour: 'red' } });
      const unknownField = checkRequestAgainstSpec(spec, {
        method: 'POST',
        path,
        query: {},
        contentType: form,
        body: { ForwardTo: 'x' },
      });
      const badValue = checkRequestAgainstSpec(
        spec,
        { method: 'POST', path, query: {}, contentType: form, body: { VoiceMethod: 'PUT' } },
        { validateValues: true },
      );

      expect(unknownOperation).toEqual([expect.stringContaining('no such operation')]);
      expect(unknownQuery).toEqual([expect.stringContaining('Colour')]);
      expect(unknownField).toEqual([expect.stringContaining('ForwardTo')]);
      expect(badValue).toEqual([expect.stringContaining('allowed values')]);
    });

    it('understands XML lists in Bandwidth bodies', () => {
      const spec = loadOfficialSpec('bandwidth/numbers.yml');
      const group = { CallForward: '3035559123', TelephoneNumbers: { TelephoneNumber: ['9195550100'] } };
      const request = (extra: Record<string, unknown>) => ({
        method: 'POST',
        path: '/accounts/9900001/tnoptions',
        query: {},
        contentType: 'application/xml',
        body: { TnOptionOrder: { TnOptionGroups: { TnOptionGroup: [{ ...group, ...extra }] } } },
      });

      expect(checkRequestAgainstSpec(spec, request({}))).toEqual([]);
      expect(checkRequestAgainstSpec(spec, request({ ForwardOnBusy: 'yes' }))).toEqual([
        expect.stringContaining('ForwardOnBusy'),
      ]);
    });
  });
} else {
  describe('checkRequestAgainstSpec', () => {
    it('is not exercised here because ../shared/carrier-specs is absent', () => {
      expect(officialSpecsPresent()).toBe(false);
    });
  });
}
