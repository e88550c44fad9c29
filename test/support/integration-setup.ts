// Integration tests talk HTTP to moto: seconds, not milliseconds (per-project testTimeout is ignored by jest).
jest.setTimeout(60_000);
