/**
 * Runs a bench script's `main` and ends the process: 0 once it resolves, 1 with the error printed when it
 * fails (a grid left half-stopped must not keep the process alive).
 */
export function runToExit(main: () => Promise<void>): void {
  main().then(
    () => process.exit(0),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
