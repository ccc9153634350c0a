"""The whole chain on one GPU with the real architectures (random weights): photo -> refined 4D human, stage by stage.

In one process, each stage through sam4d's own stage function, as `sam4d run` runs them (there each in its kernel):
01 video (HunyuanVideo-I2V at full size, bf16, with its LLaVA-LLaMA-3-8B and CLIP-L text encoders, all random weights
built on the GPU), 02 frames, 03 SAM 3D Body (upstream's code from the clone at --sam3d-root, built by its own loader
from `sam4d.testing.backends.write_random_checkpoint`: our reconstruction of the config, MHRStandIn for the gated MHR
model), 04 4D build, 05 metrics, 06 refinement with or without the HunyuanVideo-I2V Video-SDS term. The report (07)
is left out: its widget packages are not on the GPU machine. Per stage: wall seconds, peak GPU memory (torch), and
how many times a model was built. Presets: 'quality' (33 frames 320x512, the models' default steps: 50 denoising
steps, 400 refinement steps) and 'fast' (17 frames 256x384, 20 denoising steps, 150 refinement steps).
SAM 3D Body alone: frames per second at batch 1 (process_one_image, full and body modes) and batched (body decoder).

    PYTHONPATH=. python3 bench/chain_gpu.py --sam3d-root .upstream/sam-3d-body --out bench/results/chain_gpu.json
    PYTHONPATH=. python3 bench/chain_gpu.py --tiny      # tiny stand-ins on the CPU: checks the script, measures nothing
Needs torch, diffusers 0.42, transformers, accelerate, av, and sam-3d-body's requirements (roma, yacs, omegaconf,
braceexpand; termcolor for DINOv3's torch.hub code, cached under $TORCH_HOME/hub/facebookresearch_dinov3_main).
"""
import argparse, contextlib, datetime, gc, io, json, os, platform, shutil, sys, tempfile, time
from dataclasses import dataclass, replace
from pathlib import Path
import numpy as np
import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from sam4d.core import DataLayout
from sam4d.video.models import MODELS, VideoModelSpec, default_dtype, register_model, random_model, n_params
from sam4d.video.generate import VideoGenerator, generate_video
from sam4d.frames import extract_frames
from sam4d.reconstruct.run import reconstruct
from sam4d.reconstruct.sam3d_body import SAM3DBodyBackend
from sam4d.build4d import build4d
from sam4d.metrics.evaluate import eval_motion
from sam4d.refine.losses import RefineConfig
from sam4d.refine.stage import refine_stage

GiB = 2 ** 30
PROMPT = 'A person walks forward at a steady pace, full body in view, static camera.'
BUILDS = {}                     # model -> times built in this run
try: import igl; SELFPEN = True    # stage 05's mesh self-penetration needs libigl (not carried to the GPU machine: 64 MiB)
except ImportError: SELFPEN = False


@dataclass
class Preset:
    frames: int = 33
    size: str = '320x512'
    steps: int | None = None    # denoising steps (None: the model's 50)
    iters: int = 400            # refinement steps (RefineConfig's default)
    sds_height: int = 320


PRESETS = dict(quality=Preset(), fast=Preset(frames=17, size='256x384', steps=20, iters=150, sds_height=256))
TINY = dict(quality=Preset(frames=9, size='48x64', steps=2, iters=6, sds_height=48),
            fast=Preset(frames=9, size='32x48', steps=1, iters=3, sds_height=32))


def full_random_hunyuan(spec: VideoModelSpec):
    "HunyuanVideo-I2V's pipeline at full size with random weights built on the GPU, text encoders included (tokenizers: byte-level stand-ins)."
    from transformers import (LlamaConfig, LlavaConfig, CLIPVisionConfig, CLIPTextConfig, LlavaForConditionalGeneration,
                              CLIPTextModel, CLIPImageProcessor)
    from diffusers import (HunyuanVideoImageToVideoPipeline, HunyuanVideoTransformer3DModel, AutoencoderKLHunyuanVideo,
                           FlowMatchEulerDiscreteScheduler)
    from sam4d.testing.video import HUNYUAN_SPECIALS, tiny_byte_tokenizer, tiny_clip_tokenizer, hunyuan_prompt_template
    BUILDS['hunyuan-i2v'] = BUILDS.get('hunyuan-i2v', 0) + 1
    dev = 'cuda'
    tok, tok2 = tiny_byte_tokenizer(HUNYUAN_SPECIALS), tiny_clip_tokenizer()
    vision = CLIPVisionConfig(hidden_size=1024, intermediate_size=4096, num_hidden_layers=24, num_attention_heads=16,
                              image_size=336, patch_size=14, projection_dim=768)
    text = LlamaConfig(hidden_size=4096, intermediate_size=14336, num_hidden_layers=32, num_attention_heads=32, num_key_value_heads=8,
                       vocab_size=128320, rope_theta=500000.0, pad_token_id=tok.pad_token_id, bos_token_id=tok.bos_token_id,
                       eos_token_id=tok.eos_token_id)
    with torch.device(dev), default_dtype(torch.float16):      # as the model card loads the text encoders
        llava = LlavaForConditionalGeneration(LlavaConfig(vision_config=vision, text_config=text, pad_token_id=tok.pad_token_id,
                                                          image_token_index=tok.convert_tokens_to_ids('<image>'))).eval()
        clip = CLIPTextModel(CLIPTextConfig(hidden_size=768, intermediate_size=3072, num_hidden_layers=12, num_attention_heads=12,
                                            projection_dim=768, vocab_size=len(tok2), max_position_embeddings=77,
                                            bos_token_id=0, eos_token_id=1, pad_token_id=1)).eval()
    tr = random_model(HunyuanVideoTransformer3DModel, spec.arch['transformer'], dev, torch.bfloat16)
    vae = random_model(AutoencoderKLHunyuanVideo, spec.arch['vae'], dev, torch.float16)
    proc = CLIPImageProcessor(size={'shortest_edge': 336}, crop_size={'height': 336, 'width': 336})
    pipe = HunyuanVideoImageToVideoPipeline(text_encoder=llava, tokenizer=tok, transformer=tr, vae=vae,
                                            scheduler=FlowMatchEulerDiscreteScheduler(shift=spec.flow_shift),
                                            text_encoder_2=clip, tokenizer_2=tok2, image_processor=proc)
    return pipe, dict(prompt_template=hunyuan_prompt_template(tok, 576))


def register_video_model(tiny: bool) -> str:
    "The registry key of the chain's video model, also made a known SDS prior."
    from sam4d.refine.priors import PRIORS
    if tiny:
        from sam4d.testing.video import register_tiny_models
        register_tiny_models(); key = 'tiny-random-hunyuan-i2v'
    else:
        key = register_model(replace(MODELS['hunyuan-i2v'], key='hunyuan-i2v-random', repo_id=None, build=full_random_hunyuan,
                             about='stand-in: HunyuanVideo-I2V (token_replace) at full size with random weights, text encoders included')).key
    PRIORS[key] = MODELS[key].about
    return key


def sam3d_backend(args, ck, **kw):
    "Stage 03's SAM 3D Body backend: upstream's code from the clone, random checkpoint `ck` (or the stand-in estimator with --tiny)."
    BUILDS['sam3d-body'] = BUILDS.get('sam3d-body', 0) + 1
    if args.tiny:
        from sam4d.testing.backends import StandInSAM3DBodyEstimator
        return SAM3DBodyBackend(StandInSAM3DBodyEstimator(), checkpoint='stand-in', **kw)
    with contextlib.redirect_stdout(io.StringIO()):            # the partial random state dict: upstream lists the keys it lacks
        return SAM3DBodyBackend.from_pretrained(root=args.sam3d_root, checkpoint_dir=ck, detector=None, fov=None, device=args.device, **kw)


def sync(dev):
    if dev.type == 'cuda': torch.cuda.synchronize(dev)

def free(dev):
    gc.collect()
    if dev.type == 'cuda': torch.cuda.empty_cache()

def stage(rec: dict, key: str, dev, fn):
    "Run `fn()` as stage `key`: its wall seconds and peak GPU GiB go into `rec`; returns fn's result."
    free(dev)
    if dev.type == 'cuda': torch.cuda.reset_peak_memory_stats(dev)
    t0 = time.perf_counter()
    out = fn(); sync(dev)
    rec[f'{key}_s'] = time.perf_counter() - t0
    if dev.type == 'cuda': rec[f'{key}_peak_gib'] = torch.cuda.max_memory_allocated(dev) / GiB
    return out


def chain(args, model: str, ck, photo, preset: Preset, sds: bool, offload: bool, root: Path, name: str) -> dict:
    "Photo -> refined 4D human through the stage functions: per-stage seconds and peak GiB, the whole chain's."
    from sam4d.core import Sequence4D
    dev, L, rec, builds0 = torch.device(args.device), DataLayout(root), {}, dict(BUILDS)
    t0 = time.perf_counter()
    def video():
        gen = VideoGenerator.load(model, device=args.device, offload=offload, vae_tiling=False)
        return generate_video(photo, PROMPT, name, gen, root, preset.frames, preset.size, preset.steps, progress=False)
    tm = stage(rec, '01_video', dev, video)['timings']
    rec.update({f'01_video_{k}': tm[k] for k in ('load_s', 's_per_step', 'denoise_s', 'encode_s', 'decode_s', 'write_s')})
    stage(rec, '02_frames', dev, lambda: extract_frames(L.video(name), L.frames(name), progress=False))
    def recon():
        t = time.perf_counter(); b = sam3d_backend(args, ck); rec['03_load_s'] = time.perf_counter() - t
        return reconstruct(L.frames(name), L.sam3d_seq(name), b, progress=False)
    stage(rec, '03_reconstruct', dev, recon)
    stage(rec, '04_build4d', dev, lambda: build4d(L.sam3d_seq(name), L.sam4d(name)))
    stage(rec, '05_metrics', dev, lambda: eval_motion(Sequence4D.load(L.sam4d(name)), L.sam4d(name), 'savgol', {}, selfpen=SELFPEN and not args.tiny))
    cfg = RefineConfig(iters=preset.iters, device=args.device,
                       sds=dict(prior=model, num_frames=preset.frames, height=preset.sds_height, low_memory=offload, fp8_weights=offload))
    res = stage(rec, '06_refine', dev, lambda: refine_stage(L.sam4d(name), L.sam4d_sds(name), cfg, sds=sds, video=L.video(name), progress=False))
    note = json.loads((L.sam4d_sds(name)/'metrics.json').read_text())['sds']
    if sds and note != 'on': raise RuntimeError(f'the SDS term did not run: {note}')
    rec['06_refine_iters'], rec['06_refine_s_per_iter'] = res.steps, float(np.median([h['seconds'] for h in res.history]))
    rec['total_s'] = time.perf_counter() - t0
    rec['peak_gib'] = max([v for k, v in rec.items() if k.endswith('_peak_gib')], default=float('nan'))
    rec['video_model_builds'] = BUILDS.get('hunyuan-i2v', 0) - builds0.get('hunyuan-i2v', 0)
    return rec


def sam3d_fps(args, ck, frames: int, batches=(4, 8, 16, 32)) -> dict:
    "SAM 3D Body alone on random frames of 320x512: frames per second per mode and batch, 100 frames at the best setting."
    dev, rng, out = torch.device(args.device), np.random.default_rng(0), {}
    imgs = [(rng.random((320, 512, 3) if not args.tiny else (48, 64, 3)) * 255).astype(np.uint8) for _ in range(frames)]
    t0 = time.perf_counter(); full = sam3d_backend(args, ck); sync(dev); out['sam3d_load_s'] = time.perf_counter() - t0
    out['sam3d_params_m'] = n_params(full.estimator.model) / 1e6 if not args.tiny else 0.0
    def fps(b, bs=1, n=None):
        n = n or (len(imgs) if bs > 1 else min(len(imgs), 20))
        b.detect_many(imgs[:max(bs, 2)], None); sync(dev)                       # warm-up
        if dev.type == 'cuda': torch.cuda.reset_peak_memory_stats(dev)
        t = time.perf_counter(); b.detect_many(imgs[:n], None); sync(dev)
        return n / (time.perf_counter() - t), torch.cuda.max_memory_allocated(dev) / GiB if dev.type == 'cuda' else float('nan')
    out['sam3d_fps_b1'], out['sam3d_peak_gib_b1'] = fps(full)                    # the stage's default: process_one_image, full mode
    body = SAM3DBodyBackend(full.estimator, inference_type='body')
    out['sam3d_fps_b1_body'], _ = fps(body)
    for bs in batches if not args.tiny else ():              # the stand-in estimator has no model to batch
        try: out[f'sam3d_fps_body_b{bs}'], out[f'sam3d_peak_gib_body_b{bs}'] = fps(SAM3DBodyBackend(full.estimator, inference_type='body', batch_size=bs), bs)
        except torch.OutOfMemoryError: free(dev); break
    best = max((k for k in out if k.startswith('sam3d_fps_')), key=out.get)
    out['sam3d_fps_best'], out['sam3d_best'] = out[best], best[len('sam3d_fps_'):]
    bs = int(best.rsplit('_b', 1)[1]) if '_body_b' in best else 1
    b = full if best == 'sam3d_fps_b1' else SAM3DBodyBackend(full.estimator, inference_type='body', batch_size=bs)
    many = (imgs * (100 // len(imgs) + 1))[:100]
    t = time.perf_counter(); b.detect_many(many, None); sync(dev); out['sam3d_100f_s'] = time.perf_counter() - t
    t = time.perf_counter(); full.detect_many(many, None); sync(dev); out['sam3d_100f_s_b1_full'] = time.perf_counter() - t
    del full, body, b; free(dev)
    return out


def device_name(dev) -> str:
    if dev.type != 'cuda': return f'cpu ({platform.processor() or platform.machine()})'
    p = torch.cuda.get_device_properties(dev)
    return f'{p.name}, {p.total_memory / GiB:.0f} GiB'


def write(args, metrics: dict, notes: list, t0: float):
    import diffusers
    metrics = dict(metrics, bench_total_s=time.perf_counter() - t0)
    res = dict(name='chain_gpu', date=datetime.datetime.now(datetime.timezone.utc).isoformat(timespec='seconds'),
               machine=f'{device_name(torch.device(args.device))}; torch {torch.__version__}; diffusers {diffusers.__version__}; python {platform.python_version()}',
               command='PYTHONPATH=. python3 ' + ' '.join(sys.argv),
               metrics={k: (None if v != v else round(float(v), 4)) if isinstance(v, (float, np.floating)) else v for k, v in metrics.items()},
               notes=' '.join(notes))
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(res, indent=1) + '\n')


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--device', default='cuda' if torch.cuda.is_available() else 'cpu')
    ap.add_argument('--sam3d-root', default=os.environ.get('SAM3D_BODY_ROOT'), help='clone of facebookresearch/sam-3d-body')
    ap.add_argument('--out', default='bench/results/chain_gpu.json')
    ap.add_argument('--tiny', action='store_true', help='tiny stand-ins on the CPU (the video model, the SAM 3D Body estimator)')
    ap.add_argument('--parts', default='sam3d,quality,quality_sds,offload,fast,fast_sds', help='what to run, in this order')
    ap.add_argument('--offload-iters', type=int, default=10, help='refinement steps of the offload run (it measures peak memory)')
    a = ap.parse_args()
    T0, dev = time.perf_counter(), torch.device(a.device)
    presets = TINY if a.tiny else PRESETS
    model = register_video_model(a.tiny)
    root = Path(tempfile.mkdtemp(prefix='chain-gpu-'))
    ck = None
    if not a.tiny:
        from sam4d.reconstruct.sam3d_body import import_sam3d_body
        from sam4d.testing.backends import write_random_checkpoint
        import_sam3d_body(a.sam3d_root); ck = write_random_checkpoint(root/'sam3d_ckpt')
    photo = DataLayout.sample().input_image('walk')
    notes = [('TINY stand-ins on the CPU: checks the script, measures nothing. ' if a.tiny else '') +
             'Real architectures, random weights. HunyuanVideo-I2V: transformer bf16, VAE fp16, LLaVA-LLaMA-3-8B + CLIP-L text '
             'encoders fp16 (byte-level stand-in tokenizers), embedded guidance 6. SAM 3D Body: upstream code, our reconstructed '
             'dinov3 config, MHRStandIn for MHR (its sizes and kind of work; the real model\'s cost is unknown), no detector '
             '(the whole frame is the box; detectron2 is not on the GPU machine), no FOV estimator. Stage 03 runs '
             'process_one_image frame by frame (full mode), as the stage does. Report (07) not run.']
    if not SELFPEN: notes.append('05 metrics without mesh self-penetration (libigl not installed here).')
    metrics = dict(device=device_name(dev))
    for part in a.parts.split(','):
        t = time.perf_counter()
        if part == 'offload' and dev.type != 'cuda': notes.append('offload: skipped (model CPU offload needs CUDA).'); continue
        if part == 'sam3d': metrics.update(sam3d_fps(a, ck, 8 if a.tiny else 48))
        else:
            p = presets['fast' if part.startswith('fast') else 'quality']
            sds, off = part.endswith('_sds') or part == 'offload', part == 'offload'
            if off: p = replace(p, iters=a.offload_iters)
            r = chain(a, model, ck, photo, p, sds, off, root, part)
            metrics.update({f'{part}_{k}': v for k, v in r.items()})
            shutil.rmtree(root/'frames'/part, ignore_errors=True)
        print(f'[{part}] {time.perf_counter() - t:.1f} s (at {time.perf_counter() - T0:.0f} s)', flush=True)
        keys = dict(chain_sds_s='quality_sds_total_s', chain_nosds_s='quality_total_s', chain_fast_sds_s='fast_sds_total_s',
                    chain_fast_nosds_s='fast_total_s', chain_peak_gib='quality_sds_peak_gib', chain_offload_peak_gib='offload_peak_gib')
        metrics.update({k: metrics[v] for k, v in keys.items() if v in metrics})
        write(a, metrics, notes, T0)                           # after every part: what ran so far is kept
    print(json.dumps({k: metrics[k] for k in metrics if not k.split('_')[0] in ('quality', 'fast', 'offload')}, indent=1))


if __name__ == '__main__':
    main()
