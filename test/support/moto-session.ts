import { MotoServer, startMoto } from '../../scripts/lib/moto';
import { useEmulator } from '../../scripts/lib/seed-fleet';

/**
 * One moto server for the calling test file: started before its tests, stopped (by PID) after.
 * Files do not share emulator state, so they can run in parallel.
 */
export function useMotoServer(env: Record<string, string> = {}): { server: () => MotoServer } {
  let server: MotoServer | undefined;
  beforeAll(async () => {
    server = await startMoto({ env });
    useEmulator(server.endpoint);
  }, 60_000);
  afterAll(async () => {
    await server?.stop();
  });
  return {
    server: () => {
      if (!server) throw new Error('moto server not started');
      return server;
    },
  };
}
