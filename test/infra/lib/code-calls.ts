import { readdirSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import ts from 'typescript';

/**
 * Which AWS API calls each Lambda handler can make, read from the code, not hand-listed.
 *
 * Starting at `handler` in handlers/<name>.ts, it follows every reference to a function, method,
 * constructor or module-level value declared in the project (calls, callbacks, functions kept in
 * tables), and where the code calls a port (an interface method) it follows that method into every
 * adapter class the same code path instantiates (`new RdsSnapshotProvider(...)` in the composition
 * root). In the bodies it reaches, every `new <Op>Command(` and `paginate<Op>(` imported from an
 * `@aws-sdk/*` package is an API call. The result over-approximates (every branch counts as taken),
 * which is the safe direction for "is every call granted", and is still tight enough to show a
 * grant no code path uses.
 */
export interface SdkCall {
  /** The SDK package, e.g. `@aws-sdk/client-rds`, `@aws-sdk/lib-dynamodb`. */
  readonly pkg: string;
  /** The operation, e.g. `CreateDBSnapshot`, `ListObjectsV2`, `Get` (lib-dynamodb). */
  readonly op: string;
  /** Where it is sent, `src/adapters/aws/rds-snapshot-provider.ts:123`. */
  readonly at: string;
  /** Property names of object literals in the same function body (Tags, KmsKeyId, Put, Update, ...). */
  readonly inputKeys: ReadonlySet<string>;
  /**
   * The same for every body of that file the handler reaches (filled in as the walk goes on):
   * TransactWrite items are built by the callers of the helper that sends them.
   */
  readonly fileKeys: ReadonlySet<string>;
}

type FunctionLike = ts.FunctionLikeDeclaration | ts.ClassDeclaration | ts.VariableDeclaration;

export class CodeCalls {
  private readonly program: ts.Program;
  private readonly checker: ts.TypeChecker;

  constructor(private readonly root: string) {
    const configPath = join(root, 'tsconfig.json');
    const config = ts.readConfigFile(configPath, ts.sys.readFile);
    const parsed = ts.parseJsonConfigFileContent(config.config, ts.sys, dirname(configPath));
    const handlers = readdirSync(join(root, 'handlers')).filter((f) => f.endsWith('.ts')).map((f) => join(root, 'handlers', f));
    this.program = ts.createProgram([...handlers, join(root, 'src', 'cli', 'main.ts')], { ...parsed.options, noEmit: true });
    this.checker = this.program.getTypeChecker();
  }

  private inProject(file: ts.SourceFile): boolean {
    const rel = relative(this.root, file.fileName);
    return !file.isDeclarationFile && !rel.startsWith('..') && !rel.split(sep).includes('node_modules');
  }

  /** Names of the interfaces a class implements, with the interfaces those extend. */
  private interfacesOf(cls: ts.ClassDeclaration): Set<string> {
    const names = new Set<string>();
    const add = (expr: ts.Expression) => {
      let sym = this.checker.getSymbolAtLocation(expr);
      if (sym && sym.flags & ts.SymbolFlags.Alias) sym = this.checker.getAliasedSymbol(sym);
      for (const d of sym?.declarations ?? []) {
        if (!ts.isInterfaceDeclaration(d) || names.has(d.name.text)) continue;
        names.add(d.name.text);
        for (const h of d.heritageClauses ?? []) for (const t of h.types) add(t.expression);
      }
    };
    for (const h of cls.heritageClauses ?? []) if (h.token === ts.SyntaxKind.ImplementsKeyword) for (const t of h.types) add(t.expression);
    return names;
  }

  /** Every SDK call reachable from `handler` in handlers/<name>.ts. */
  callsOf(handler: string): SdkCall[] {
    return this.callsFrom(join('handlers', `${handler}.ts`), 'handler');
  }

  /**
   * Every SDK call reachable from the function `name` declared in `file` (relative to the root),
   * or from the method `Class.method` of a class declared there.
   */
  callsFrom(fileInRoot: string, name: string): SdkCall[] {
    return this.walk(fileInRoot, name).calls;
  }

  /**
   * The names of the module-level constants and functions of `inFile` that code reachable from
   * `handler` refers to (e.g. the store's key builders), for checks finer than SDK calls.
   */
  declarationsReached(handler: string, inFile: string): Set<string> {
    const target = join(this.root, inFile);
    const names = new Set<string>();
    for (const node of this.walk(join('handlers', `${handler}.ts`), 'handler').visited) {
      if (node.getSourceFile().fileName === target && ts.isVariableDeclaration(node) && ts.isIdentifier(node.name)) names.add(node.name.text);
    }
    return names;
  }

  private walk(fileInRoot: string, name: string): { calls: SdkCall[]; visited: Set<ts.Node> } {
    const file = this.program.getSourceFile(join(this.root, fileInRoot));
    if (!file) throw new Error(`${fileInRoot} is not in the program`);
    const [owner, method] = name.split('.') as [string, string | undefined];
    const entry: ts.Node | undefined =
      method === undefined
        ? file.statements.find((s): s is ts.FunctionDeclaration => ts.isFunctionDeclaration(s) && s.name?.text === name)
        : file.statements
            .find((s): s is ts.ClassDeclaration => ts.isClassDeclaration(s) && s.name?.text === owner)
            ?.members.find((m) => ts.isMethodDeclaration(m) && m.name.getText() === method);
    if (!entry) throw new Error(`${fileInRoot} has no ${method === undefined ? 'function' : 'method'} ${name}`);

    const visited = new Set<ts.Node>();
    const queue: ts.Node[] = [entry];
    const instantiated = new Set<ts.ClassDeclaration>();
    const portMethods = new Map<string, Set<string>>(); // interface name -> method names called
    const calls: SdkCall[] = [];
    const keysByFile = new Map<string, Set<string>>();

    const enqueue = (n: ts.Node) => {
      if (!visited.has(n)) {
        visited.add(n);
        queue.push(n);
      }
    };

    const follow = (decl: ts.Declaration) => {
      const sf = decl.getSourceFile();
      if (!this.inProject(sf)) return;
      if (ts.isClassDeclaration(decl)) {
        instantiated.add(decl);
        for (const m of decl.members) if (ts.isConstructorDeclaration(m) || ts.isPropertyDeclaration(m)) enqueue(m);
        return;
      }
      if (ts.isMethodSignature(decl) || ts.isPropertySignature(decl)) {
        const owner = decl.parent;
        if (ts.isInterfaceDeclaration(owner) && decl.name && ts.isIdentifier(decl.name)) {
          const set = portMethods.get(owner.name.text) ?? new Set<string>();
          set.add(decl.name.text);
          portMethods.set(owner.name.text, set);
        }
        return;
      }
      if (ts.isFunctionLike(decl) || ts.isVariableDeclaration(decl) || ts.isPropertyDeclaration(decl) || ts.isPropertyAssignment(decl)) enqueue(decl);
    };

    const implementationsOf = (cls: ts.ClassDeclaration, iface: string, method: string): ts.Node[] => {
      if (!this.interfacesOf(cls).has(iface)) return [];
      return cls.members.filter((m) => (ts.isMethodDeclaration(m) || ts.isPropertyDeclaration(m)) && m.name.getText() === method);
    };

    for (;;) {
      while (queue.length > 0) {
        const node = queue.shift() as ts.Node;
        const sf = node.getSourceFile();
        const keys = new Set<string>();
        const found: Array<{ pkg: string; op: string; line: number }> = [];
        const visit = (n: ts.Node): void => {
          if (ts.isPropertyAssignment(n) || ts.isShorthandPropertyAssignment(n)) keys.add(n.name.getText());
          if (ts.isIdentifier(n)) {
            let sym = this.checker.getSymbolAtLocation(n);
            if (sym && sym.flags & ts.SymbolFlags.Alias) sym = this.checker.getAliasedSymbol(sym);
            for (const decl of sym?.declarations ?? []) {
              const declFile = decl.getSourceFile();
              const sdk = /node_modules[\\/](@aws-sdk[\\/][^\\/]+)/.exec(declFile.fileName);
              const parent: ts.Node = n.parent;
              if (sdk) {
                const pkg = (sdk[1] as string).replace(/\\/g, '/');
                const m = /^(?:(\w+)Command|paginate(\w+))$/.exec(n.text);
                const isNew = ts.isNewExpression(parent) && parent.expression === n;
                const isCall = ts.isCallExpression(parent) && parent.expression === n;
                if (m && ((m[1] && isNew) || (m[2] && isCall))) found.push({ pkg, op: (m[1] ?? m[2]) as string, line: sf.getLineAndCharacterOfPosition(n.getStart()).line + 1 });
                continue;
              }
              // `this.x` and `obj.method` resolve through the property name; locals of the same
              // body are walked anyway.
              if (decl.getSourceFile() === sf && node.pos <= decl.pos && decl.end <= node.end) continue;
              follow(decl);
            }
          }
          ts.forEachChild(n, visit);
        };
        visit(node);
        const fileKeys = keysByFile.get(sf.fileName) ?? new Set<string>();
        for (const k of keys) fileKeys.add(k);
        keysByFile.set(sf.fileName, fileKeys);
        for (const f of found) calls.push({ pkg: f.pkg, op: f.op, at: `${relative(this.root, sf.fileName)}:${f.line}`, inputKeys: keys, fileKeys });
      }
      // Ports called so far, into the adapters instantiated so far; repeat until nothing new.
      const before = visited.size;
      for (const cls of instantiated) {
        for (const [iface, methods] of portMethods) for (const m of methods) for (const impl of implementationsOf(cls, iface, m)) enqueue(impl);
      }
      if (visited.size === before && queue.length === 0) break;
    }
    return { calls, visited };
  }
}

/** The IAM actions an SDK call needs. Names equal the operation unless listed here. */
const RENAMED: Record<string, Record<string, string[]>> = {
  '@aws-sdk/client-lambda': { Invoke: ['lambda:InvokeFunction'] },
  // "No permissions are required to perform this operation" (STS API reference, GetCallerIdentity).
  '@aws-sdk/client-sts': { GetCallerIdentity: [] },
  '@aws-sdk/client-s3': {
    ListObjectsV2: ['s3:ListBucket'],
    HeadObject: ['s3:GetObject'],
    GetBucketReplication: ['s3:GetReplicationConfiguration'],
  },
  '@aws-sdk/lib-dynamodb': {
    Get: ['dynamodb:GetItem'],
    Put: ['dynamodb:PutItem'],
    Update: ['dynamodb:UpdateItem'],
    Delete: ['dynamodb:DeleteItem'],
    Query: ['dynamodb:Query'],
    Scan: ['dynamodb:Scan'],
    BatchGet: ['dynamodb:BatchGetItem'],
    BatchWrite: ['dynamodb:BatchWriteItem'],
    TransactGet: ['dynamodb:GetItem'],
  },
};
const PREFIX: Record<string, string> = {
  '@aws-sdk/client-rds': 'rds',
  '@aws-sdk/client-s3': 's3',
  '@aws-sdk/client-kms': 'kms',
  '@aws-sdk/client-eventbridge': 'events',
  '@aws-sdk/client-sts': 'sts',
  '@aws-sdk/client-dynamodb': 'dynamodb',
  '@aws-sdk/lib-dynamodb': 'dynamodb',
  '@aws-sdk/client-lambda': 'lambda',
};

export interface NeededAction {
  readonly action: string;
  /** The call(s) that need it. */
  readonly because: readonly string[];
}

/**
 * IAM actions for the calls, with the authorizations AWS adds to some of them:
 * - RDS create/copy calls that pass `Tags` are also authorized as `rds:AddTagsToResource`
 *   (RDS user guide, "Grant permission to tag Amazon RDS resources during creation");
 * - a copy that names `KmsKeyId` needs `kms:CreateGrant` and `kms:DescribeKey` on the keys
 *   (RDS user guide, "Overview.Encryption.Keys": a principal creating RDS resources with a customer
 *   managed key needs both);
 * - `TransactWrite` is authorized item by item: Put/Update/Delete/ConditionCheck items in the
 *   same function body.
 */
export function actionsFor(calls: readonly SdkCall[]): NeededAction[] {
  const out = new Map<string, Set<string>>();
  const add = (action: string, why: SdkCall) => {
    const set = out.get(action) ?? new Set<string>();
    set.add(`${why.op} (${why.at})`);
    out.set(action, set);
  };
  for (const c of calls) {
    const prefix = PREFIX[c.pkg];
    if (!prefix) throw new Error(`no IAM mapping for SDK package ${c.pkg} (${c.op} at ${c.at}); add it to test/infra/lib/code-calls.ts`);
    if (c.pkg === '@aws-sdk/lib-dynamodb' && c.op === 'TransactWrite') {
      const kinds: Record<string, string> = { Put: 'PutItem', Update: 'UpdateItem', Delete: 'DeleteItem', ConditionCheck: 'ConditionCheckItem' };
      for (const [k, action] of Object.entries(kinds)) if (c.fileKeys.has(k)) add(`dynamodb:${action}`, c);
      continue;
    }
    for (const action of RENAMED[c.pkg]?.[c.op] ?? [`${prefix}:${c.op}`]) add(action, c);
    if (prefix === 'rds' && /^(Create|Copy|Restore)/.test(c.op) && c.inputKeys.has('Tags')) add('rds:AddTagsToResource', c);
    if (prefix === 'rds' && /^Copy/.test(c.op) && c.inputKeys.has('KmsKeyId')) {
      add('kms:CreateGrant', c);
      add('kms:DescribeKey', c);
    }
  }
  return [...out].map(([action, because]) => ({ action, because: [...because] })).sort((a, b) => a.action.localeCompare(b.action));
}
