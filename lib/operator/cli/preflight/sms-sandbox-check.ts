/** Checks `sms sandbox` and `sms <number>`: whether alert SMS can reach the config's numbers. */
import {
  GetSMSSandboxAccountStatusCommand,
  ListSMSSandboxPhoneNumbersCommand,
  type SMSSandboxPhoneNumber,
  type SNSClient,
} from '@aws-sdk/client-sns';
import type { PreflightAws } from './preflight-aws';
import type { PreflightCheck } from './preflight-check';

/**
 * SNS GetSMSSandboxAccountStatus, and in the sandbox ListSMSSandboxPhoneNumbers for whether each
 * alert number is verified.
 */
export async function checkSmsSandbox(
  aws: PreflightAws,
  numbers: readonly string[],
  region: string,
): Promise<PreflightCheck[]> {
  const status = await aws.attempt(region, 'SNS', () =>
    aws.sns(region).send(new GetSMSSandboxAccountStatusCommand({})),
  );
  if (!status.ok) {
    return [
      {
        check: 'sms sandbox',
        region,
        status: 'fail',
        detail: status.problem('sns:GetSMSSandboxAccountStatus'),
      },
    ];
  }
  if (status.value.IsInSandbox !== true) {
    return [
      {
        check: 'sms sandbox',
        region,
        status: 'ok',
        detail: 'out of the SMS sandbox: alert SMS reach any number',
      },
    ];
  }
  const sandbox: PreflightCheck = {
    check: 'sms sandbox',
    region,
    status: 'warn',
    detail: `in the SMS sandbox: SMS reach only verified numbers; request production access (SNS console, Text messaging (SMS), "Exit SMS sandbox") in ${region}`,
  };
  const listed = await aws.attempt(region, 'SNS', () => listSandboxNumbers(aws.sns(region)));
  if (!listed.ok) {
    return [
      sandbox,
      {
        check: 'sms numbers',
        region,
        status: 'fail',
        detail: listed.problem('sns:ListSMSSandboxPhoneNumbers'),
      },
    ];
  }
  const byNumber = new Map(listed.value.map((entry) => [entry.PhoneNumber, entry.Status]));
  return [
    sandbox,
    ...numbers.map((number): PreflightCheck => {
      const check = `sms ${number}`;
      const verifyCommand = `aws sns verify-sms-sandbox-phone-number --region ${region} --phone-number ${number} --one-time-password CODE`;
      const state = byNumber.get(number);
      if (state === 'Verified') {
        return { check, region, status: 'ok', detail: 'verified in the SMS sandbox' };
      }
      if (state === 'Pending') {
        return {
          check,
          region,
          status: 'fail',
          detail: `added to the SMS sandbox but not verified: \`${verifyCommand}\` with the code SNS texted, or request production access`,
        };
      }
      return {
        check,
        region,
        status: 'fail',
        detail: `not verified: alerts to it are dropped while ${region} is in the SMS sandbox; verify it in the SNS console or \`aws sns create-sms-sandbox-phone-number --region ${region} --phone-number ${number}\` then \`${verifyCommand}\`, or request production access`,
      };
    }),
  ];
}

async function listSandboxNumbers(client: SNSClient): Promise<SMSSandboxPhoneNumber[]> {
  const numbers: SMSSandboxPhoneNumber[] = [];
  let nextToken: string | undefined;
  do {
    const page = await client.send(new ListSMSSandboxPhoneNumbersCommand({ NextToken: nextToken }));
    numbers.push(...(page.PhoneNumbers ?? []));
    nextToken = page.NextToken;
  } while (nextToken);
  return numbers;
}
