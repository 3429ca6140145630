import { OllamaModel } from '@gridllm/contracts';

import { findModel, ownedBy, toModelList, toOpenAiModel } from './models.translator';

const model = (name: string, modifiedAt = '2025-05-01T10:00:00Z'): OllamaModel => ({
  name,
  model: name,
  modified_at: modifiedAt,
  size: 1,
  digest: 'd',
  details: {},
});

describe('ownedBy', () => {
  it('is "library" for plain names and the namespace otherwise', () => {
    expect(ownedBy('llama3.2:latest')).toBe('library');
    expect(ownedBy('jmorgan/phi:2')).toBe('jmorgan');
    expect(ownedBy('hf.co/bartowski/Llama-3.2-1B-GGUF:Q4_K_M')).toBe('bartowski');
    expect(ownedBy('localhost:5000/team/model:tag')).toBe('team');
  });
});

describe('toModelList', () => {
  it('lists every model with created in unix seconds', () => {
    expect(toModelList([model('llama3.2:latest'), model('me/tiny:1', '2024-01-01T00:00:00Z')])).toEqual({
      object: 'list',
      data: [
        { id: 'llama3.2:latest', object: 'model', created: 1746093600, owned_by: 'library' },
        { id: 'me/tiny:1', object: 'model', created: 1704067200, owned_by: 'me' },
      ],
    });
  });

  it('lists an empty fleet as an empty array', () => {
    expect(toModelList([])).toEqual({ object: 'list', data: [] });
  });
});

describe('findModel', () => {
  it('finds a model by any spelling of its name', () => {
    const fleet = [model('llama3.2:latest'), model('me/tiny:1')];
    expect(findModel(fleet, 'llama3.2')?.name).toBe('llama3.2:latest');
    expect(findModel(fleet, 'library/llama3.2:latest')?.name).toBe('llama3.2:latest');
    expect(findModel(fleet, 'me/tiny:1')?.name).toBe('me/tiny:1');
    expect(findModel(fleet, 'nope')).toBeUndefined();
  });

  it('answers with the id as the client spelled it', () => {
    expect(toOpenAiModel(model('llama3.2:latest'), 'llama3.2').id).toBe('llama3.2');
  });
});
