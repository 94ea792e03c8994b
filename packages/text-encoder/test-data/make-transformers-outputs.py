# Writes transformers-5.17.safetensors: transformers 5.17 Gemma2Model (eager, fp32, CPU/GPU) run on the checkpoint
# in fixtures/reference/sana/text_encoder with the inputs of reference.json / reference.safetensors, and
# diffusers' encode_prompt steps done by hand (lower/strip, CHI, right padding, select index). Run from the repo root:
#   OUT=packages/text-encoder/test-data python3 packages/text-encoder/test-data/make-transformers-outputs.py
import os, json, torch, safetensors.torch as st
from transformers import Gemma2Model, AutoTokenizer

R = 'fixtures/reference/'
ref = st.load_file(R + 'reference.safetensors')
J = json.load(open(R + 'reference.json'))
m = Gemma2Model.from_pretrained(R + 'sana/text_encoder', attn_implementation='eager', dtype=torch.float32).eval()
tok = AutoTokenizer.from_pretrained(R + 'sana/tokenizer')
tok.padding_side = 'right'
out = {}
with torch.no_grad():
    for k in ['te', 'te.long']:
        out[k + '.last_hidden_state'] = m(input_ids=ref[k + '.input_ids'].long(), attention_mask=ref[k + '.attention_mask'].long()).last_hidden_state.contiguous()
    msl = J['max_sequence_length']
    sel = [0] + list(range(-msl + 1, 0))
    prompts = [p.lower().strip() for p in J['prompts']]

    def enc(texts, length):
        t = tok(texts, padding='max_length', max_length=length, truncation=True, add_special_tokens=True, return_tensors='pt')
        return m(t.input_ids, attention_mask=t.attention_mask).last_hidden_state, t.attention_mask

    chi = '\n'.join(J['complex_human_instruction'])
    e, mk = enc([chi + p for p in prompts], len(tok.encode(chi)) + msl - 2)
    out['prompt.embeds'], out['prompt.mask'] = e[:, sel].contiguous(), mk[:, sel].float().contiguous()
    e, mk = enc([J['pipeline']['negative_prompt'].lower().strip()] * len(prompts), msl)
    out['prompt.neg_embeds'], out['prompt.neg_mask'] = e.contiguous(), mk.float().contiguous()
    e, mk = enc(prompts, msl)
    out['prompt.nochi.embeds'], out['prompt.nochi.mask'] = e.contiguous(), mk.float().contiguous()
st.save_file(out, os.path.join(os.environ.get('OUT', '.'), 'transformers-5.17.safetensors'))
