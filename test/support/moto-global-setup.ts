import { ensureMoto } from '../../scripts/lib/moto';

/** Installs moto when missing (once per jest run) and hands its location to the test workers. */
export default async function globalSetup(): Promise<void> {
  const moto = ensureMoto();
  process.env.MOTO_PYTHON = moto.python;
  process.env.MOTO_PYTHONPATH = moto.pythonPath;
}
