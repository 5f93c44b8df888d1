"""The platform: store, submissions, job queue, workers, leaderboard and operator commands.

Service layer (functions taking a SQLAlchemy Session and plain inputs, returning plain
objects; the caller commits and passes the authenticated `identity.Actor`):
  submission.submit / inspect / record   validate a model and queue it (SubmissionRequest)
  queue.claim_next / heartbeat / complete / fail / reap_expired   the worker's protocol
  job_ops.list_jobs / inspect_job / cancel_job / requeue_job
  moderation.flag_model / unflag_model / active_flags / set_official_provider /
             official_providers / delete_model / vote / unvote
  picks.pick_model / unpick_model / active_picks   maintainer's picks (⭐, claimed first)
  leaderboard.leaderboard -> Board (typed BoardRow per entry, native fields)
  export.write_export     parquet | csv | json, in the open-llm-leaderboard/contents schema
Submission checks: model_source (the pinned revision of a `podium.modelref` resolution),
weights (safetensors headers), facts (what the files say), validation (one function per rule;
`SubmissionRequest` fills the chat-template default: on for chat models), overlay_checks
(Adapter/Delta weights against their base).
Hardware: capacity (a job's GPU count and needs, pure), workers (the workers table: what each
worker advertises, refusal of jobs none can run, the claim filter).
Executors: executors (the interface behind the worker; `local` runs attempts here), executors.ray
(each attempt a Ray job; executors.ray_cluster: Ray's Jobs and State APIs, the address check,
capability markers), reconcile (the job table against the cluster: pure decisions), fleet (the
operators' Workers view: workers, cluster nodes, queue wait, throughput; `public` drops addresses).
Infrastructure: db (engine, sessions), models (ORM), migrate (+ migrations/), config
(operator settings), vocab (fixed vocabularies), states (job state machine), errors,
worker + supervisor + guard (running evaluations; the command line is `podium.eval.command`),
classify (error classes), result_files (results.json and error.json read as `podium.record`
types), provenance (the base-model check). The store keeps a result's run record in columns:
task scores (`Result.tasks`) and provenance. Environment variables come from `podium.settings`.
"""
