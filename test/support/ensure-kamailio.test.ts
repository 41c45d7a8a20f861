import { ensureKamailio, type InstallHost, KAMAILIO_BINARY } from './ensure-kamailio';

/** A machine whose apt-get calls are recorded; `installWorks` says after which call the binary appears. */
function fakeHost(options: {
  present?: boolean;
  root?: boolean;
  sudo?: boolean;
  failFirstInstall?: boolean;
  aptFails?: boolean;
}) {
  let installed = options.present === true;
  const commands: string[] = [];
  let installs = 0;
  const host: InstallHost = {
    exists: (path) => path === KAMAILIO_BINARY && installed,
    run: (command, args) => {
      commands.push([command, ...args].join(' '));
      if (options.aptFails) throw new Error('E: Unable to locate package kamailio');
      if (args.includes('install')) {
        installs += 1;
        if (options.failFirstInstall && installs === 1)
          throw new Error('E: Unable to locate package kamailio');
        installed = true;
      }
    },
    isRoot: () => options.root === true,
    canSudo: () => options.sudo === true,
    log: () => {},
  };
  return { host, commands };
}

describe('ensureKamailio (jest global set-up)', () => {
  it('does nothing when Kamailio is already installed', () => {
    const { host, commands } = fakeHost({ present: true, root: true });
    expect(ensureKamailio(host)).toBe('present');
    expect(commands).toEqual([]);
  });

  it('installs it with apt-get as root on a fresh machine', () => {
    const { host, commands } = fakeHost({ root: true });
    expect(ensureKamailio(host)).toBe('installed');
    expect(commands).toEqual(['apt-get install -y -qq kamailio']);
  });

  it('runs apt-get update and tries again when the package lists are empty', () => {
    const { host, commands } = fakeHost({ root: true, failFirstInstall: true });
    expect(ensureKamailio(host)).toBe('installed');
    expect(commands).toEqual([
      'apt-get install -y -qq kamailio',
      'apt-get update -qq',
      'apt-get install -y -qq kamailio',
    ]);
  });

  it('uses password-less sudo when not root', () => {
    const { host, commands } = fakeHost({ sudo: true });
    ensureKamailio(host);
    expect(commands).toEqual(['sudo -n apt-get install -y -qq kamailio']);
  });

  it('fails with the command to run when it can neither install nor sudo', () => {
    const { host } = fakeHost({});
    expect(() => ensureKamailio(host)).toThrow(/sudo apt-get install -y kamailio/);
  });

  it('fails with the fix when apt-get fails', () => {
    const { host } = fakeHost({ root: true, aptFails: true });
    expect(() => ensureKamailio(host)).toThrow(
      /Installing Kamailio with apt-get failed \(E: Unable to locate package kamailio\)/,
    );
  });
});
