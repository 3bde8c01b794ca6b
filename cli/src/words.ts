/** "1 binary", "2 binaries". */
export function binaries(n: number): string {
  return `${n} ${n === 1 ? "binary" : "binaries"}`;
}
