// The one Node API the worker uses (compatibility flag `nodejs_als`): workers-types does not declare it,
// and @types/node would bring all of Node's globals into the worker's types.
declare module "node:async_hooks" {
  export class AsyncLocalStorage<T> {
    getStore(): T | undefined;
    run<R>(store: T, callback: () => R): R;
  }
}
