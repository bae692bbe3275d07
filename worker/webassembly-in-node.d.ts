/**
 * The WebAssembly JS API for tsconfig.node.json, which checks the Node-side tests of worker/
 * (and the worker code they import), and for tsconfig.server.json (bench/argon2-passes/ runs
 * that code in Node): TypeScript types it only in lib.dom and lib.webworker, and @types/node 20
 * not at all. Only what worker/argon2-wasm.ts and its test use, declared as
 * lib.webworker declares it. tsconfig.worker.json excludes this file: there lib.webworker applies.
 */
declare namespace WebAssembly {
  type ImportValue = ((...args: never[]) => unknown) | Memory | number;
  type Imports = Record<string, Record<string, ImportValue>>;

  interface Module {}
  interface ModuleImportDescriptor {
    module: string;
    name: string;
    kind: string;
  }
  interface ModuleExportDescriptor {
    name: string;
    kind: string;
  }
  var Module: {
    prototype: Module;
    new (bytes: ArrayBuffer | ArrayBufferView): Module;
    imports(module: Module): ModuleImportDescriptor[];
    exports(module: Module): ModuleExportDescriptor[];
  };

  interface Memory {
    readonly buffer: ArrayBuffer;
    grow(delta: number): number;
  }
  var Memory: { prototype: Memory; new (descriptor: { initial: number; maximum?: number }): Memory };

  interface Instance {
    readonly exports: Record<string, unknown>;
  }

  function validate(bytes: ArrayBuffer | ArrayBufferView): boolean;
  function compile(bytes: ArrayBuffer | ArrayBufferView): Promise<Module>;
  function instantiate(module: Module, imports?: Imports): Promise<Instance>;
}
