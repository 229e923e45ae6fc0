"""Shared by the restart tests (tests/io/restart_test.py, tests/jko/jko_run_test.py): start a w2flow run and
send it SIGINT once it is inside its time stepping."""
import signal, subprocess, time


def interrupt_run(w2flow, args, wd, output, tries=1200, delay=0.3):
    """Run `w2flow run args -output output` in wd and interrupt it; returns (returncode, stdout, stderr).
    The handler is installed when the result file is opened: a fixed sleep signalled a loaded machine's run
    before that (default action, status -2), so wait for <output>.h5.partial, then delay seconds into the stepping.
    A return code of 0 means the run finished before the signal arrived."""
    p = subprocess.Popen([w2flow, "run"] + args + ["-output", output], cwd=wd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    for _ in range(tries):
        if (wd / f"{output}.h5.partial").exists() or p.poll() is not None:
            break
        time.sleep(0.05)
    time.sleep(delay)
    p.send_signal(signal.SIGINT)
    out, err = p.communicate()
    return p.returncode, out, err
