"""Runs a command on a new pseudo-terminal, as a user's shell would: what it prints goes to
stdout, what arrives on stdin is typed into the terminal (b"\\x03" is Ctrl-C, which the
terminal turns into SIGINT for the command's process group). Exits with the command's code,
or 128 + the signal that ended it."""
import fcntl
import os
import pty
import select
import struct
import sys
import termios

pid, fd = pty.fork()
if pid == 0:
    os.execvp(sys.argv[1], sys.argv[1:])

# A new terminal is 0 columns wide; give it a user's 40 rows of 120.
fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))

stdin_open = True
while True:
    ready, _, _ = select.select([fd] + ([0] if stdin_open else []), [], [])
    if fd in ready:
        try:
            data = os.read(fd, 65536)
        except OSError:  # EIO: the command closed the terminal (it exited)
            data = b""
        if not data:
            break
        os.write(1, data)
    if 0 in ready:
        data = os.read(0, 1024)
        if data:
            os.write(fd, data)
        else:
            stdin_open = False

_, status = os.waitpid(pid, 0)
code = os.waitstatus_to_exitcode(status)
sys.exit(code if code >= 0 else 128 - code)
