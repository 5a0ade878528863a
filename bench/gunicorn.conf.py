"""gunicorn settings of the benchmark: none, so that the command line alone sets them, the same for every app.

gunicorn reads ``gunicorn.conf.py`` from the folder it starts in; the
production one (access log, worker recycling) would apply to the service and
the bare Flask twin but not to Isso, and its logging would be measured too.
"""
# Every app of a run has its own master: the per-user control socket would be shared (signals suffice).
control_socket_disable = True
