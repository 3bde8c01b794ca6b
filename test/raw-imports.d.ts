/** Text files imported as strings (vite's `?raw`), e.g. the docs a test keeps in sync with the code. */
declare module "*?raw" {
  const text: string;
  export default text;
}
