"""HunyuanVideo-I2V at full size on one GPU: seconds per denoising step, peak memory, VAE decode time.

Builds the real architecture (13B transformer in bf16, VAE in fp16, as the model card loads them) from configs with
random weights directly on the GPU (time and memory do not depend on weight values), and runs diffusers'
`HunyuanVideoImageToVideoPipeline` with precomputed random prompt embeddings of the real shapes, so the text
encoders are skipped. Their weights still count: without offload a real run keeps LLaVA-LLaMA-3-8B and CLIP-L on
the GPU (`pipe.to('cuda')`), so an fp16 placeholder of their size is allocated there; with model CPU offload they sit
in CPU memory. Each setting runs 1 warm-up step + 3 timed steps (GPU-synchronised step callback).

  python3 bench/video_gen_h100.py --device cuda --out bench/results/video_gen_h100.json
  python3 bench/video_gen_h100.py --tiny            # the same code on CPU with the tiny stand-in's config
Needs torch, diffusers (0.42), accelerate (offload), numpy; imports sam4d.video.models from the checkout (PYTHONPATH=.).
"""
import argparse, datetime, gc, json, os, platform, sys, time
from pathlib import Path
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import numpy as np
import torch
from sam4d.video.models import MODELS, n_params, random_model, place_pipeline

GiB = 2 ** 30
# (frames, height, width, offload, vae tiling); the 33f 320x512 pair first, 129f 720p without offload last (if time allows)
FULL = [(33, 320, 512, False, False), (33, 320, 512, True, False), (65, 544, 960, False, True),
        (129, 720, 1280, True, True), (129, 720, 1280, False, True)]
TINY = [(9, 32, 48, False, False), (9, 32, 48, True, False), (13, 48, 64, False, True), (17, 64, 96, False, True)]

def text_encoder_params(tiny: bool) -> int:
    "Parameters of HunyuanVideo-I2V's text encoders (LLaVA-LLaMA-3-8B + CLIP-L text), counted on the meta device."
    if tiny: return 0
    try:
        from transformers import LlamaConfig, LlavaConfig, CLIPVisionConfig, CLIPTextConfig, LlavaForConditionalGeneration, CLIPTextModel
        text = LlamaConfig(hidden_size=4096, intermediate_size=14336, num_hidden_layers=32, num_attention_heads=32,
                           num_key_value_heads=8, vocab_size=128320, rope_theta=500000.0)
        vision = CLIPVisionConfig(hidden_size=1024, intermediate_size=4096, num_hidden_layers=24, num_attention_heads=16,
                                  image_size=336, patch_size=14, projection_dim=768)
        with torch.device('meta'):
            n = n_params(LlavaForConditionalGeneration(LlavaConfig(vision_config=vision, text_config=text)))
            n += n_params(CLIPTextModel(CLIPTextConfig(hidden_size=768, intermediate_size=3072, num_hidden_layers=12,
                                                       num_attention_heads=12, projection_dim=768)))
        return n
    except Exception as e:   # an older/newer transformers API: fall back to the published sizes (8.35B + 0.12B)
        print(f'counting text encoder parameters failed ({e}); using 8.47e9')
        return int(8.47e9)

def build(tiny: bool, device):
    "The pipeline with random full-size (or tiny) transformer and VAE; init seconds and parameter counts."
    from diffusers import HunyuanVideoImageToVideoPipeline, HunyuanVideoTransformer3DModel, AutoencoderKLHunyuanVideo, FlowMatchEulerDiscreteScheduler
    if tiny: from sam4d.testing.video import register_tiny_models; register_tiny_models()
    spec = MODELS['tiny-random-hunyuan-i2v' if tiny else 'hunyuan-i2v']
    tdt, vdt = (torch.float32, torch.float32) if tiny else (torch.bfloat16, torch.float16)
    sync = lambda: torch.cuda.synchronize() if device.type == 'cuda' else None
    t0 = time.perf_counter(); tr = random_model(HunyuanVideoTransformer3DModel, spec.arch['transformer'], device, tdt); sync()
    t1 = time.perf_counter(); vae = random_model(AutoencoderKLHunyuanVideo, spec.arch['vae'], device, vdt); sync()
    t2 = time.perf_counter()
    pipe = HunyuanVideoImageToVideoPipeline(text_encoder=None, tokenizer=None, transformer=tr, vae=vae,
                                            scheduler=FlowMatchEulerDiscreteScheduler(shift=spec.flow_shift),
                                            text_encoder_2=None, tokenizer_2=None, image_processor=None)
    pipe.set_progress_bar_config(disable=True)
    return pipe, spec, dict(init_s_transformer=t1 - t0, init_s_vae=t2 - t1, transformer_params_b=n_params(tr) / 1e9,
                            vae_params_b=n_params(vae) / 1e9)

def prompt_embeds(spec, device, dtype):
    "Random embeddings with the shapes the real encoders give: 576/4 image tokens + 252 text tokens, pooled CLIP."
    cfg = spec.arch['transformer']
    n_img, n_txt, n_real = 144, 252, 40           # token_replace keeps every 4th of LLaVA's 576 image tokens
    g = torch.Generator('cpu').manual_seed(0)
    pe = torch.randn(1, n_img + n_txt, cfg['text_embed_dim'], generator=g).to(device, dtype)
    mask = torch.zeros(1, n_img + n_txt); mask[:, :n_img + n_real] = 1
    return dict(prompt_embeds=pe, prompt_attention_mask=mask.to(device, dtype),
                pooled_prompt_embeds=torch.randn(1, cfg['pooled_projection_dim'], generator=g).to(device, dtype))

def denoise(pipe, spec, device, frames, H, W, steps=4):
    "Run `steps` denoising steps at one setting: (latents on CPU, seconds per timed step, peak GiB, call seconds)."
    from PIL import Image
    img = Image.fromarray(np.random.default_rng(0).integers(0, 255, (H, W, 3), dtype=np.uint8))
    stamps = []
    def cb(p, i, t, kw):
        if device.type == 'cuda': torch.cuda.synchronize(device)
        stamps.append(time.perf_counter()); return kw
    if device.type == 'cuda': torch.cuda.reset_peak_memory_stats(device)
    t0 = time.perf_counter()
    out = pipe(image=img, prompt=None, height=H, width=W, num_frames=frames, num_inference_steps=steps, guidance_scale=6.0,
               generator=torch.Generator('cpu').manual_seed(0), output_type='latent', callback_on_step_end=cb,
               **prompt_embeds(spec, device, pipe.transformer.dtype)).frames
    call_s = time.perf_counter() - t0
    peak = torch.cuda.max_memory_allocated(device) / GiB if device.type == 'cuda' else float('nan')
    return out.cpu(), (stamps[-1] - stamps[0]) / (len(stamps) - 1), peak, call_s

def decode(pipe, latents, device, tiling):
    "VAE decode seconds and the extra GiB it needs above what is resident."
    vae = pipe.vae
    vae.enable_tiling() if tiling else vae.disable_tiling()
    z = latents.to(device, vae.dtype) / vae.config.scaling_factor
    if device.type == 'cuda': torch.cuda.synchronize(device); torch.cuda.reset_peak_memory_stats(device); base = torch.cuda.memory_allocated(device)
    t0 = time.perf_counter()
    with torch.no_grad(): video = vae.decode(z, return_dict=False)[0]
    if device.type == 'cuda': torch.cuda.synchronize(device)
    s = time.perf_counter() - t0
    extra = (torch.cuda.max_memory_allocated(device) - base) / GiB if device.type == 'cuda' else float('nan')
    assert video.shape[2] == (latents.shape[2] - 1) * 4 + 1
    return s, extra

def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--device', default='cuda' if torch.cuda.is_available() else 'cpu')
    ap.add_argument('--out', default='bench/results/video_gen_h100.json')
    ap.add_argument('--tiny', action='store_true', help="the tiny stand-in's config (runs on CPU in seconds)")
    ap.add_argument('--budget-s', type=float, default=420, help='skip settings whose estimated time would pass this total')
    a = ap.parse_args()
    T0 = time.perf_counter()
    device = torch.device(a.device)
    elapsed = lambda: time.perf_counter() - T0
    pipe, spec, metrics = build(a.tiny, device)
    te_params = text_encoder_params(a.tiny)
    metrics['text_encoders_params_b'] = te_params / 1e9
    notes, latents, per_step = [], {}, {}
    settings = TINY if a.tiny else FULL
    # offload settings first: enabling offload moves the models to the CPU; then everything goes back to the GPU
    for offload in (True, False):
        todo = [s for s in settings if s[3] == offload]
        if offload and device.type != 'cuda':
            notes.append('offload settings skipped: model CPU offload needs a CUDA device'); continue
        if offload: pipe.enable_model_cpu_offload(device=device); placeholder = None
        else:
            pipe.remove_all_hooks(); place_pipeline(pipe, device)
            # the text encoders a non-offloaded real run keeps on the GPU (fp16, as the model card loads them)
            placeholder = torch.empty(te_params, dtype=torch.float16, device=device) if te_params else None
        for f, H, W, off, tiling in todo:
            key = f'{f}f_{H}x{W}' + ('_offload' if off else '')
            same = [v for k, v in per_step.items() if k.startswith(f'{f}f_{H}x{W}')]
            est = 5 * same[0] + 30 if same else 0
            if same and elapsed() + est > a.budget_s:
                notes.append(f'{key} skipped: estimated {est:.0f} s would pass the {a.budget_s:.0f} s budget'); continue
            try:
                lat, sps, peak, call_s = denoise(pipe, spec, device, f, H, W)
            except torch.OutOfMemoryError:
                notes.append(f'{key}: out of memory'); torch.cuda.empty_cache(); continue
            per_step[key] = sps
            metrics[f's_per_step_{key}'], metrics[f'peak_gib_{key}'], metrics[f'call_s_{key}'] = sps, peak, call_s
            latents[(f, H, W, tiling)] = lat
            print(f'{key:28s} {sps:8.3f} s/step  peak {peak:6.1f} GiB  call {call_s:6.1f} s  (at {elapsed():.0f} s)', flush=True)
        del placeholder
    # VAE decode of each size's latents, on the GPU with the transformer resident (as in a non-offloaded run)
    rate = 0.0                                        # seconds per decoded frame-pixel so far, to stay in the budget
    for (f, H, W, tiling), lat in sorted(latents.items()):
        key = f'{f}f_{H}x{W}' + ('_tiled' if tiling else '')
        if f'vae_decode_s_{key}' in metrics: continue
        if rate and elapsed() + 1.5 * rate * f * H * W > a.budget_s:
            notes.append(f'VAE decode {key} skipped: estimated {rate * f * H * W:.0f} s would pass the budget'); continue
        try: s, extra = decode(pipe, lat, device, tiling)
        except torch.OutOfMemoryError:
            notes.append(f'VAE decode {key}: out of memory'); torch.cuda.empty_cache(); continue
        rate = max(rate, s / (f * H * W))
        metrics[f'vae_decode_s_{key}'], metrics[f'vae_decode_extra_gib_{key}'] = s, extra
        print(f'VAE decode {key:22s} {s:8.2f} s  +{extra:5.1f} GiB', flush=True)
    metrics['total_s'] = elapsed()
    dev = torch.cuda.get_device_name(device) if device.type == 'cuda' else platform.processor() or 'cpu'
    import diffusers
    res = dict(name='video_gen_h100', date=datetime.datetime.now(datetime.timezone.utc).isoformat(timespec='seconds'),
               machine=f'{dev}; torch {torch.__version__}; diffusers {diffusers.__version__}; python {platform.python_version()}',
               command='python3 ' + ' '.join(sys.argv),
               metrics={k: (round(float(v), 4) if v == v else None) for k, v in metrics.items()},
               notes=('TINY stand-in config on CPU: checks the script, not a measurement. ' if a.tiny else '') +
                     'HunyuanVideo-I2V (token_replace) transformer bf16 + VAE fp16 with random weights built on the device; '
                     'prompt embeddings precomputed (144 image + 252 text tokens), text encoders not run: without offload an '
                     f'fp16 placeholder of their {te_params / 1e9:.2f}B parameters is resident on the GPU, with model CPU offload '
                     'they are in CPU memory. s_per_step: mean of 3 timed steps after 1 warm-up step (embedded guidance, one '
                     'transformer call per step); peak_gib: torch max_memory_allocated during the pipeline call; call_s: the whole '
                     'call (VAE image encode, offload transfers, 4 steps); vae_decode_s: decode of that size\'s latents '
                     '(_tiled: diffusers VAE tiling), vae_decode_extra_gib: its peak above the resident weights. '
                     + ' '.join(notes))
    Path(a.out).parent.mkdir(parents=True, exist_ok=True)
    Path(a.out).write_text(json.dumps(res, indent=1) + '\n')
    print(json.dumps(res['metrics'], indent=1)); print(res['notes'])

if __name__ == '__main__':
    main()
