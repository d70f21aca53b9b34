import { describe, expect, it } from 'vitest';
import { methodsLatex, methodsMarkdown, type MethodsInput } from '../../shared/export/methods-text';
import { withDefaults } from '../../shared/rules/catalogue';
import { ExperimentSpec } from '../../shared/schemas/experiment';

/*
 * The methods text says what a reader needs to reproduce a run: here, the parts added with the papers' networks —
 * augmentation and test-time views, a CorInfoMax network's dynamics, the conv layers' weight entropy, no biases.
 */

function input(spec: unknown): MethodsInput {
  const parsed = ExperimentSpec.parse(spec);
  return {
    settings: [
      {
        dataset: { ...parsed.dataset, hash: 'sha256:feed', sizes: null },
        network: parsed.network,
        loss: parsed.loss,
        epochs: parsed.epochs,
        batchSize: parsed.batchSize,
        arms: parsed.rules.map((arm) => ({
          label: arm.label ?? arm.rule,
          rule: arm.rule,
          params: withDefaults(arm.rule, arm.params),
          optimizer: arm.optimizer ?? parsed.optimizer,
          regularizers: arm.regularizers ?? parsed.regularizers,
          seeds: parsed.seeds,
        })),
      },
    ],
    error: 'std',
    hardware: { cpu: 'cpu', os: 'linux', backends: ['onnx-cpu'], devices: [], threads: [1] },
    appName: 'broadcast-lab',
    appVersion: 'test',
  };
}

const base = { rules: [{ rule: 'ebd' }], seeds: [0, 1], epochs: 2, batchSize: 16 };

describe('the methods text', () => {
  it('states a CNN’s augmentation, test-time views, missing biases and weight entropy', () => {
    const text = methodsMarkdown(
      input({
        ...base,
        name: 'cnn',
        dataset: {
          name: 'cifar-100',
          augmentation: { translate: { pixels: 2 }, flip: 'alternate_epochs', testTime: true },
        },
        network: { hidden: [{ kind: 'conv', channels: 8, kernel: 3 }, { units: 16 }], biases: false },
        regularizers: { entropy: { coefficient: 0.01, weightEpsilon: 3e-5 } },
      }),
    );
    expect(text).toContain(', without biases,');
    expect(text).toContain(
      'Training images were augmented each epoch with random shifts of up to 2 pixels with reflection at the borders and horizontal flips on alternate epochs.',
    );
    expect(text).toContain('evaluated in six views (as they are, mirrored, and shifted by 2 pixels');
    expect(text).toContain('weight entropy ½ log det(WᵀW + εI) with ε = 0.00003');
  });

  it('states a CorInfoMax network’s dynamics, in Markdown and in LaTeX, and nothing of the sort for a plain MLP', () => {
    const cim = input({
      ...base,
      name: 'cim',
      dataset: { name: 'cifar-10' },
      network: {
        hidden: [{ units: 10, activation: 'clipped_relu' }],
        dynamics: { kind: 'corinfomax', iterations: 12, feedbackRates: [0.02] },
      },
    });
    const text = methodsMarkdown(cim);
    expect(text).toContain('The network was a CorInfoMax network (Bozkurt, Pehlevan and Erdogan, 2023)');
    expect(text).toContain('settled for 12 Euler steps of size 0.05 (leak g = 0.1, ε = 0.15)');
    expect(text).toContain('forgetting factor 0.99999');
    expect(text).toContain('normalised rates 0.02');
    expect(methodsLatex(cim)).toContain('(leak g = 0.1, $\\varepsilon$ = 0.15)');
    const plain = methodsMarkdown(
      input({ ...base, name: 'mlp', dataset: { name: 'cifar-10' }, network: { hidden: [{ units: 10 }] } }),
    );
    expect(plain).not.toMatch(/CorInfoMax|augmented|six views|without biases|weight entropy/);
  });
});
