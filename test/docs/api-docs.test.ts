/**
 * projenrc/api-docs.ts, which completes API.md after jsii-docgen: return types of static functions,
 * and the reference of the `cdk8s-mlops/terraform` entry point from its TypeScript declarations.
 */
import * as path from 'path';
import { addReturnTypes, completeApiDocs, terraformReference } from '../../projenrc/api-docs';
import * as terraform from '../../src/terraform';

const ENTRY = path.resolve(__dirname, '../../src/terraform/index.ts');

const docgenOutput = (fqn: string, invocation: string) => [
  `##### \`${fqn.split('.').pop()}\` <a name="x" id="${fqn}"></a>`, '', '```typescript', "import { X } from 'lib'", '', invocation, '```', '', 'Docs.', '',
].join('\n');

test('static functions get their return type after the usage block, linked when the type is the library\'s', () => {
  const markdown = docgenOutput('lib.Step.steps', 'Step.steps(t: T)') + docgenOutput('lib.Step.name', 'Step.name()') + docgenOutput('lib.Step.one', 'Step.one()');
  const assembly = {
    name: 'lib',
    types: {
      'lib.Step': {
        methods: [
          { name: 'steps', static: true, returns: { type: { collection: { kind: 'array', elementtype: { fqn: 'lib.Step' } } } } },
          { name: 'name', static: true, returns: { type: { primitive: 'string' } } },
          { name: 'one', static: true, returns: { type: { fqn: 'cdk8s.Duration' } } },
          { name: 'instance', returns: { type: { primitive: 'number' } } },
        ],
      },
    },
  };
  const out = addReturnTypes(markdown, assembly);
  expect(out).toContain('Step.steps(t: T)\n```\n\n- *Returns:* <a href="#lib.Step">Step</a>[]\n\nDocs.');
  expect(out).toContain('Step.name()\n```\n\n- *Returns:* string\n');
  expect(out).toContain('Step.one()\n```\n\n- *Returns:* cdk8s.Duration\n');
  expect(out.match(/\*Returns:\*/g)).toHaveLength(3);
  expect(addReturnTypes(out, assembly)).toBe(out);
});

test('the Terraform reference covers every export of the entry point, with constructor, props, types and defaults', () => {
  const reference = terraformReference(ENTRY, 'cdk8s-mlops/terraform');
  for (const name of Object.keys(terraform)) expect(reference).toContain(`### ${name} <a name="${name}"`);
  expect(reference).toContain('### KubernetesManifestsProps <a name="KubernetesManifestsProps"');
  expect(reference).toContain("import { KubernetesManifests } from 'cdk8s-mlops/terraform'\n\nnew KubernetesManifests(scope: Construct, id: string, props: KubernetesManifestsProps)");
  expect(reference).toContain('| `resources` | `Manifest[]` | One `kubernetes_manifest` per document, in an order that satisfies every `depends_on`. |');
  expect(reference).toContain('| `fieldManager` | `string` | "cdk8s-mlops" | The server-side apply field manager Terraform applies as.');
  expect(reference).toMatch(/\| `forceConflicts` \| `boolean` \| false \| Take over fields/);
}, 60_000);

test('completing API.md twice gives the same file, with one Terraform section', () => {
  const once = completeApiDocs('# API Reference\n', { name: 'cdk8s-mlops', types: {} }, ENTRY);
  expect(completeApiDocs(once, { name: 'cdk8s-mlops', types: {} }, ENTRY)).toBe(once);
  expect(once.match(/# API Reference: `cdk8s-mlops\/terraform`/g)).toHaveLength(1);
}, 60_000);
