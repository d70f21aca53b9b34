import { describe, expect, test } from 'vitest';
import { fieldLabel, issueInWords, messageInWords } from '../../src-renderer/lib/design/issue-words';
import { checkForm, defaultForm } from '../../src-renderer/lib/design/form';

describe('validation issues in the designer’s words', () => {
  test('every issue of a badly filled form reads as words, with the field as the form labels it', () => {
    const form = defaultForm();
    form.dataset = 'gaussian-mixture';
    form.epochs = null;
    form.batchSize = 0;
    form.seeds = '1, a';
    form.trainSubset = 1.5;
    form.hidden[0]!.units = null;
    const rules = form.arms.map((a) => a.rule);
    const said = checkForm(form).issues.map((issue) => issueInWords(issue, rules));
    expect(said).toEqual(
      expect.arrayContaining([
        'Epochs: enter a number',
        'Batch size: must be at least 1',
        'Seeds, number 2: not a number',
        'Training subset: must be a whole number',
        'Hidden layer 1 · units: enter a number',
      ]),
    );
    for (const line of said) expect(line).not.toMatch(/Invalid input|expected \w+, received|Too (small|big)/);
    // A rule parameter is named by the catalogue's label (checked once the rest of the form is valid).
    const valid = defaultForm();
    valid.dataset = 'gaussian-mixture';
    valid.arms[0]!.params = { ...valid.arms[0]!.params, lambda: 2 };
    expect(checkForm(valid).issues.map((issue) => issueInWords(issue, rules))).toEqual([
      expect.stringMatching(/^Rule 1 \(EBD\) · Forgetting factor λ must be between 0 and 0\.99999999, got 2$/),
    ]);
  });

  test('settings of an arm and unknown paths', () => {
    expect(fieldLabel('rules.1.optimizer.learningRate', ['ebd', 'bp'])).toBe('Rule 2 (BP) · optimiser learning rate');
    expect(fieldLabel('regularizers.weightDecay.2', [])).toBe('Regulariser weightDecay (layer 3)');
    expect(fieldLabel('something.new', [])).toBe('something.new');
    expect(messageInWords('a message of our own')).toBe('a message of our own');
  });

  test('the recurrent dynamics’ fields, a feedback rate by its number', () => {
    expect(fieldLabel('network.dynamics.lambda', [])).toBe('Dynamics · Forgetting factor λ');
    expect(fieldLabel('network.dynamics.feedbackRates.1', [])).toBe('Dynamics · Feedback rates, number 2');
    expect(
      issueInWords({ path: 'network.dynamics.iterations', message: 'the dynamics need at least 1 iteration' }, []),
    ).toBe('Dynamics · Iterations: the dynamics need at least 1 iteration');
  });
});
