"""The command line (`python -m lecture_utils train | sample | evaluate`), checkpoints, and
the definition of the validation loss that `evaluate` reports."""
import json
import math
import os
import pickle
import select
import shlex
import signal
import stat
import subprocess
import sys
import time

import numpy as np
import pytest
import torch

from lecture_utils.checkpoint import CheckpointError, build_model, load_checkpoint, save_checkpoint
from lecture_utils.cli import main
from lecture_utils.data import load_corpus, train_val_split
from lecture_utils.train import evaluate_torch_lm, scheduled_lr, train_torch_lm
from lecture_utils.vocab import Vocabulary

# A model small enough to train a few steps and evaluate the whole split in about a second.
TINY = ["--hidden-size", "16", "--embedding-size", "8", "--batch-size", "8", "--seq-length", "16"]


def run(capsys, *argv):
    """main(argv) in this process: (exit status, stdout, stderr)."""
    status = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return status, out, err


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory):
    path = tmp_path_factory.mktemp("ckpt") / "tiny.pt"
    assert main(["train", "--corpus", "shakespeare", "--steps", "5", "--out", str(path), *TINY]) == 0
    return path


def uniform_checkpoint(path, corpus="shakespeare"):
    """A checkpoint whose model gives every character the same probability, 1/V."""
    vocab = Vocabulary.from_text(load_corpus(corpus))
    config = dict(corpus=corpus, cell="lstm", embedding_size=8, hidden_size=16, dropout=0.0)
    model = build_model(config, len(vocab))
    with torch.no_grad():
        model.head.weight.zero_()
        model.head.bias.zero_()
    save_checkpoint(path, model, vocab, config)
    return len(vocab)


# ------------------------------------------------------------------ round trips
def test_train_writes_a_checkpoint_with_weights_vocabulary_configuration_and_history(checkpoint):
    model, vocab, config, history = load_checkpoint(checkpoint)
    assert vocab == Vocabulary.from_text(load_corpus("shakespeare"))
    assert (config["cell"], config["hidden_size"], config["embedding_size"]) == ("lstm", 16, 8)
    assert history["steps"] == 5 and len(history["losses"]) == 5 and not history["interrupted"]
    assert "train" in history["command"] and "--steps" in history["command"]
    assert not model.training
    umask = os.umask(0)
    os.umask(umask)
    # written through a private temporary file, it still gets an ordinary new file's permissions
    assert os.stat(checkpoint).st_mode & 0o777 == 0o666 & ~umask


def test_sample_is_repeatable_with_a_seed_and_starts_with_the_prime(capsys, checkpoint):
    status, a, _ = run(capsys, "sample", "--checkpoint", checkpoint, "--prime", "ROMEO:", "--length", 40, "--seed", 3)
    _, b, _ = run(capsys, "sample", "--checkpoint", checkpoint, "--prime", "ROMEO:", "--length", 40, "--seed", 3)
    _, c, _ = run(capsys, "sample", "--checkpoint", checkpoint, "--prime", "ROMEO:", "--length", 40, "--seed", 4)
    assert status == 0 and a == b != c
    assert a.startswith("ROMEO:") and len(a) == len("ROMEO:") + 40 + 1  # + print's newline


def test_evaluate_json_reports_the_validation_loss_in_nats_and_bits(capsys, checkpoint):
    status, out, _ = run(capsys, "evaluate", "--checkpoint", checkpoint, "--json")
    result = json.loads(out)
    model, vocab, _, _ = load_checkpoint(checkpoint)
    val = vocab.encode(train_val_split(load_corpus("shakespeare"))[1])
    assert status == 0 and result["characters"] == len(val) - 1 == 111539
    assert result["val_loss"] == pytest.approx(evaluate_torch_lm(model, val), abs=1e-4)
    assert result["bits_per_char"] == pytest.approx(result["val_loss"] / math.log(2), abs=1e-4)
    _, out, _ = run(capsys, "evaluate", "--checkpoint", checkpoint, "--json", "--window", 64)
    windowed = json.loads(out)
    assert windowed["window"] == 64
    assert windowed["val_loss"] == pytest.approx(evaluate_torch_lm(model, val, window=64), abs=1e-4)


def test_the_real_command_line_round_trip(tmp_path):
    """Through `python -m lecture_utils`, as a learner types it."""
    path = tmp_path / "m.pt"
    cli = [sys.executable, "-m", "lecture_utils"]
    done = subprocess.run([*cli, "train", "--corpus", "c", "--cell", "gru", "--steps", "3", "--out", path, *TINY],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "wrote" in done.stderr
    done = subprocess.run([*cli, "sample", "--checkpoint", path, "--prime", "int ", "--length", "20"],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and done.stdout.startswith("int ")
    done = subprocess.run([*cli, "evaluate", "--checkpoint", path, "--json"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and {"val_loss", "bits_per_char"} <= set(json.loads(done.stdout))


def test_a_text_file_can_be_the_corpus_and_must_not_change_afterwards(capsys, tmp_path):
    corpus = tmp_path / "abc.txt"
    corpus.write_text("abcab " * 500)
    path = tmp_path / "abc.pt"
    assert run(capsys, "train", "--corpus", corpus, "--steps", 2, "--out", path, *TINY)[0] == 0
    status, out, _ = run(capsys, "evaluate", "--checkpoint", path, "--json")
    assert status == 0 and json.loads(out)["characters"] == 299
    corpus.write_text("abcab " * 501)
    status, _, err = run(capsys, "evaluate", "--checkpoint", path)
    assert status == 2 and "has changed since" in err


def test_ctrl_c_saves_what_has_been_trained(tmp_path):
    path = tmp_path / "stopped.pt"
    env = {k: v for k, v in os.environ.items() if k != "TQDM_DISABLE"}  # the progress bar says when a step is done
    proc = subprocess.Popen([sys.executable, "-m", "lecture_utils", "train", "--minutes", "5", "--out", path, *TINY],
                            stderr=subprocess.PIPE, env=env)
    seen, deadline = b"", time.monotonic() + 120
    while b"step=" not in seen:  # wait until at least one step has been trained, but not forever
        ready, _, _ = select.select([proc.stderr], [], [], max(0.0, deadline - time.monotonic()))
        if not ready:
            proc.kill()
            pytest.fail(f"no training step within 120 s: {seen[-500:]!r}")
        chunk = os.read(proc.stderr.fileno(), 4096)
        assert chunk, f"training ended before its first step: {seen[-500:]!r}"
        seen += chunk
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    err = err.decode(errors="replace")
    assert proc.returncode == 0, err
    _, _, _, history = load_checkpoint(path)
    assert history["interrupted"] and history["steps"] >= 1
    assert "interrupted" in err


# ------------------------------------------------------------------ the definition of the validation loss
def test_a_uniform_model_scores_ln_V_in_both_modes(capsys, tmp_path):
    path = tmp_path / "uniform.pt"
    V = uniform_checkpoint(path)
    for extra in ([], ["--window", "64"], ["--window", "1"]):
        _, out, _ = run(capsys, "evaluate", "--checkpoint", path, "--json", *extra)
        assert json.loads(out)["val_loss"] == pytest.approx(math.log(V), abs=1e-4)  # ln 65 = 4.1744
        assert json.loads(out)["bits_per_char"] == pytest.approx(math.log2(V), abs=1e-4)


def test_windows_start_cold_and_cover_every_character_once():
    torch.manual_seed(0)
    model = build_model(dict(cell="lstm", embedding_size=4, hidden_size=8), 5)
    data = torch.randint(0, 5, (23,))
    # By hand: windows of 5 predictions, data[0:5] -> data[1:6], ..., and a last one of 2.
    total = 0.0
    for start in range(0, 22, 5):
        x, y = data[start:min(start + 5, 22)], data[start + 1:min(start + 6, 23)]
        logits, _ = model(x[None])
        total += torch.nn.functional.cross_entropy(logits[0], y, reduction="sum").item()
    assert evaluate_torch_lm(model, data, window=5) == pytest.approx(total / 22, abs=1e-6)
    # A window as long as the text is the carried state itself.
    assert evaluate_torch_lm(model, data, window=22) == pytest.approx(evaluate_torch_lm(model, data, chunk=4), abs=1e-6)
    assert evaluate_torch_lm(model, data, window=1) != pytest.approx(evaluate_torch_lm(model, data), abs=1e-5)


def test_position_losses_split_the_windowed_loss_by_position():
    from lecture_utils.train import position_losses
    torch.manual_seed(0)
    model = build_model(dict(cell="lstm", embedding_size=4, hidden_size=8), 5)
    data = torch.randint(0, 5, (21,))   # 20 predictions: four whole windows of 5
    by_position = position_losses(model, data, 5)
    assert by_position.shape == (5,)
    assert by_position.mean() == pytest.approx(evaluate_torch_lm(model, data, window=5), abs=1e-6)
    # Position 1 is predicted from one character alone, in every window: by hand.
    logits, _ = model(data[0:20:5][:, None])
    first = torch.nn.functional.cross_entropy(logits[:, 0], data[1:21:5]).item()
    assert by_position[0] == pytest.approx(first, abs=1e-6)
    with pytest.raises(ValueError, match="L >= window \\+ 1"):
        position_losses(model, data[:5], 5)


# ------------------------------------------------------------------ every error is one clear line
def errors(capsys, *argv):
    status, out, err = run(capsys, *argv)
    assert status == 2 and out == "" and err.startswith("error: ") and "Traceback" not in err
    return err


def test_a_missing_corrupt_or_foreign_checkpoint_is_a_clear_error(capsys, tmp_path, checkpoint):
    assert "does not exist" in errors(capsys, "evaluate", "--checkpoint", tmp_path / "nope.pt")

    truncated = tmp_path / "truncated.pt"
    truncated.write_bytes(checkpoint.read_bytes()[:2000])
    assert "not a readable checkpoint" in errors(capsys, "evaluate", "--checkpoint", truncated)

    text = tmp_path / "notes.txt"
    text.write_text("this is not a checkpoint\n")
    assert "not a readable checkpoint" in errors(capsys, "sample", "--checkpoint", text)

    other = tmp_path / "other.pt"
    torch.save({"weights": torch.zeros(3)}, other)
    assert "not a lecture_utils character-LM checkpoint" in errors(capsys, "evaluate", "--checkpoint", other)

    payload = torch.load(checkpoint, weights_only=True)
    payload["state_dict"]["head.weight"] = torch.zeros(3, 3)
    damaged = tmp_path / "damaged.pt"
    torch.save(payload, damaged)
    assert "weights do not fit its configuration" in errors(capsys, "evaluate", "--checkpoint", damaged)


class Payload:
    """Unpickling this would run code: what weights_only loading exists to refuse."""

    def __reduce__(self):
        return (os.system, ("echo pwned",))


def test_an_arbitrary_pickle_is_refused(capsys, tmp_path):
    evil = tmp_path / "evil.pt"
    torch.save({"format": "lecture_utils.charlm", "x": Payload()}, evil)
    assert "refusing to load" in errors(capsys, "evaluate", "--checkpoint", evil)
    plain = tmp_path / "evil.pkl"
    plain.write_bytes(pickle.dumps(Payload()))
    err = errors(capsys, "sample", "--checkpoint", plain)
    assert "refusing to load" in err or "not a readable checkpoint" in err
    with pytest.raises(CheckpointError):
        load_checkpoint(plain)


def test_bad_sampling_requests_are_clear_errors(capsys, checkpoint):
    err = errors(capsys, "sample", "--checkpoint", checkpoint, "--prime", "héllo")
    assert "unknown character 'é' at position 1" in err
    for t in ("0", "-1", "nan"):
        assert "temperature must be a positive number" in errors(
            capsys, "sample", "--checkpoint", checkpoint, "--temperature", t)
    assert "--prime is empty" in errors(capsys, "sample", "--checkpoint", checkpoint, "--prime", "")


def test_bad_training_and_evaluation_requests_are_clear_errors(capsys, tmp_path, checkpoint):
    assert "neither a shipped corpus" in errors(capsys, "train", "--corpus", "klingon", "--out", tmp_path / "x.pt")
    binary = tmp_path / "image.bin"
    binary.write_bytes(bytes([0x89, 0xFF, 0xFE, 0x00]) * 100)
    assert "not UTF-8 text" in errors(capsys, "train", "--corpus", binary, "--out", tmp_path / "x.pt")
    assert "too short" in errors(capsys, "train", "--corpus", "hello", "--out", tmp_path / "x.pt")
    assert "at least 2 characters to validate on" in errors(capsys, "train", "--corpus", "hello", "--batch-size", 1,
                                                            "--seq-length", 2, "--out", tmp_path / "x.pt")
    assert "does not exist" in errors(capsys, "train", "--steps", 1, "--out", tmp_path / "no" / "x.pt", *TINY)
    assert "longer than the validation text" in errors(capsys, "evaluate", "--checkpoint", checkpoint,
                                                       "--window", 10**6)
    # Refused before any training, so that minutes of training never end in a failed save.
    assert "is a folder; give a file name" in errors(capsys, "train", "--steps", 1, "--out", tmp_path, *TINY)


def test_a_checkpoint_without_a_recorded_corpus_says_so(capsys, tmp_path):
    from lecture_utils.checkpoint import load_checkpoint, save_checkpoint

    uniform_checkpoint(tmp_path / "u.pt")
    model, vocab, config, history = load_checkpoint(tmp_path / "u.pt")
    del config["corpus"]
    save_checkpoint(tmp_path / "bare.pt", model, vocab, config, history)
    assert "does not record the corpus" in errors(capsys, "evaluate", "--checkpoint", tmp_path / "bare.pt")
    # A file named without its checksum cannot be checked to be the same text: refused too.
    text = tmp_path / "text.txt"
    text.write_text("hello world\n" * 50)
    config.update(corpus=str(text))
    config.pop("corpus_sha256", None)
    save_checkpoint(tmp_path / "unsummed.pt", model, vocab, config, history)
    assert "not its checksum" in errors(capsys, "evaluate", "--checkpoint", tmp_path / "unsummed.pt")


def test_a_failed_save_is_a_checkpoint_error_and_leaves_no_temporary_file(tmp_path, monkeypatch):
    from lecture_utils.checkpoint import CheckpointError, load_checkpoint, save_checkpoint

    uniform_checkpoint(tmp_path / "u.pt")
    model, vocab, config, history = load_checkpoint(tmp_path / "u.pt")
    (tmp_path / "taken").mkdir()
    with pytest.raises(CheckpointError, match="will not replace .*taken: it is not a regular file"):
        save_checkpoint(tmp_path / "taken", model, vocab, config, history)   # a folder is in the way

    def refuse(payload, f):   # torch.save's own failures are RuntimeErrors, not OSErrors
        raise RuntimeError("PytorchStreamWriter failed writing file data/0: file write failed\nmore detail")
    monkeypatch.setattr(torch, "save", refuse)
    with pytest.raises(CheckpointError, match="cannot write checkpoint .*: PytorchStreamWriter failed writing file"):
        save_checkpoint(tmp_path / "v.pt", model, vocab, config, history)
    monkeypatch.undo()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["taken", "u.pt"]   # no temporary file left behind


def test_an_empty_corpus_file_is_a_clear_error(capsys, tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_text("")
    assert "empty.txt: the file is empty" in errors(capsys, "train", "--corpus", empty, "--out", tmp_path / "x.pt")


def test_out_never_destroys_a_file_that_is_not_a_checkpoint(capsys, tmp_path):
    notes = tmp_path / "notes.txt"
    notes.write_text("my notes")
    err = errors(capsys, "train", "--steps", 1, "--out", notes, *TINY)
    assert "exists and is not a checkpoint" in err and "--force" in err and notes.read_text() == "my notes"
    link = tmp_path / "link.pt"
    link.symlink_to(notes)
    pipe = tmp_path / "pipe.pt"
    os.mkfifo(pipe)
    for special in (link, pipe):   # never replaced, even with --force
        assert "is not a regular file" in errors(capsys, "train", "--steps", 1, "--out", special, "--force", *TINY)
    assert link.is_symlink() and notes.read_text() == "my notes" and stat.S_ISFIFO(os.lstat(pipe).st_mode)
    # With --force the user's file is replaced; a checkpoint of ours is replaced without it.
    assert run(capsys, "train", "--steps", 1, "--out", notes, "--force", *TINY)[0] == 0
    assert load_checkpoint(notes)[2]["hidden_size"] == 16
    assert run(capsys, "train", "--steps", 1, "--out", notes, *TINY)[0] == 0


@pytest.mark.skipif(not os.path.isdir("/proc/self"), reason="needs Linux's /proc, where no file can be created")
def test_an_out_where_no_file_can_be_written_is_refused_before_training(capsys):
    err = errors(capsys, "train", "--steps", 1, "--out", "/proc/x.pt", *TINY)
    assert "cannot write a file in /proc" in err and "parameters" not in err   # refused before the banner


def test_bad_option_values_are_refused_by_the_parser(capsys, checkpoint):
    for argv in (["train", "--minutes", "0", "--out", "x.pt"], ["train", "--dropout", "1", "--out", "x.pt"],
                 ["sample", "--checkpoint", str(checkpoint), "--length", "-5"],
                 ["evaluate", "--checkpoint", str(checkpoint), "--window", "0"]):
        with pytest.raises(SystemExit) as exit:
            main(argv)
        assert exit.value.code == 2
        assert "error: argument" in capsys.readouterr().err


# ------------------------------------------------------------------ the training loop's budget and schedule
def test_training_stops_at_its_time_budget_or_step_budget_and_decays_the_learning_rate(monkeypatch):
    data = np.tile(np.arange(5), 300)
    torch.manual_seed(0)
    model = build_model(dict(cell="lstm", embedding_size=4, hidden_size=8), 5)
    seen, rates = [], []
    record = torch.optim.Adam.step
    def step_recording_lr(self, *args, **kwargs):   # the learning rate each update is made with
        rates.append(self.param_groups[0]["lr"])
        return record(self, *args, **kwargs)
    monkeypatch.setattr(torch.optim.Adam, "step", step_recording_lr)
    losses = train_torch_lm(model, data, seq_length=8, steps=40, batch_size=4, lr=1e-2, warmup=10, decay=True,
                            callback=lambda step, m: seen.append(step), every=10)
    monkeypatch.undo()
    assert len(losses) == 40 and seen == [10, 20, 30, 40]
    # Warm-up over 10 steps, then a linear fall to zero at the end of the 40-step budget.
    assert rates == pytest.approx([scheduled_lr(1e-2, s, s / 40, warmup=10, decay=True) for s in range(40)])
    assert rates[9] == pytest.approx(1e-2 * 0.775) and rates[-1] == pytest.approx(1e-2 / 40)
    losses = train_torch_lm(model, data, seq_length=8, seconds=0.2, batch_size=4)
    assert len(losses) >= 1
    with pytest.raises(ValueError, match="needs a budget"):
        train_torch_lm(model, data, seq_length=8)


def test_the_learning_rate_warms_up_then_falls_linearly_to_zero_at_the_end_of_the_budget():
    assert [scheduled_lr(1.0, s, 0.0, warmup=4) for s in range(5)] == [0.25, 0.5, 0.75, 1.0, 1.0]
    assert scheduled_lr(2.0, 100, 0.25, warmup=4, decay=True) == 1.5
    assert scheduled_lr(2.0, 100, 1.0, warmup=4, decay=True) == 0.0
    assert scheduled_lr(2.0, 100, 0.5) == 2.0  # no decay: constant after the warm-up


# ------------------------------------------------------------------ the checkpoints shipped for lesson 07
def test_shipped_checkpoints_were_made_by_the_train_command_as_recorded():
    """Each shipped checkpoint's configuration is what its recorded command gives today,
    the command is in checkpoints/README.md, and together they stay within 15 MB."""
    from lecture_utils.checkpoint import SHIPPED
    from lecture_utils.cli import corpus_source, parser, training_config

    readme = open(os.path.join(os.path.dirname(next(iter(SHIPPED.values()))), "README.md")).read()
    total = 0
    for corpus, path in SHIPPED.items():
        _, vocab, config, history = load_checkpoint(path)
        argv = shlex.split(history["command"])
        assert argv[:4] == ["python", "-m", "lecture_utils", "train"]
        args = parser().parse_args(argv[3:])
        assert args.corpus == corpus and os.path.basename(args.out) == os.path.basename(path)
        assert config == training_config(args, corpus_source(args.corpus)[1])
        assert vocab == Vocabulary.from_text(load_corpus(corpus))
        assert not history["interrupted"] and history["steps"] == len(history["losses"])
        assert history["command"] in readme
        total += os.path.getsize(path)
    assert total <= 15e6
