// End-to-end tests start real processes; give them time on a 2-core machine.
jest.setTimeout(60000);
