package mesosapi

// Task states (mesos.TaskState), as their JSON names.
const (
	TaskStaging        = "TASK_STAGING"
	TaskStarting       = "TASK_STARTING"
	TaskRunning        = "TASK_RUNNING"
	TaskKilling        = "TASK_KILLING"
	TaskFinished       = "TASK_FINISHED"
	TaskFailed         = "TASK_FAILED"
	TaskKilled         = "TASK_KILLED"
	TaskError          = "TASK_ERROR"
	TaskLost           = "TASK_LOST"
	TaskDropped        = "TASK_DROPPED"
	TaskUnreachable    = "TASK_UNREACHABLE"
	TaskGone           = "TASK_GONE"
	TaskGoneByOperator = "TASK_GONE_BY_OPERATOR"
	TaskUnknown        = "TASK_UNKNOWN"
)

// IsTerminal reports whether a task state is terminal. TASK_LOST counts as
// terminal for resource accounting, as the Mesos master treats it.
func IsTerminal(state string) bool {
	switch state {
	case TaskFinished, TaskFailed, TaskKilled, TaskError, TaskLost, TaskDropped, TaskGone, TaskGoneByOperator:
		return true
	}
	return false
}

// IsValidState reports whether s names a mesos.TaskState.
func IsValidState(s string) bool {
	switch s {
	case TaskStaging, TaskStarting, TaskRunning, TaskKilling, TaskFinished, TaskFailed, TaskKilled,
		TaskError, TaskLost, TaskDropped, TaskUnreachable, TaskGone, TaskGoneByOperator, TaskUnknown:
		return true
	}
	return false
}

// Status sources and the reasons the master uses (mesos.TaskStatus).
const (
	SourceMaster   = "SOURCE_MASTER"
	SourceAgent    = "SOURCE_AGENT"
	SourceExecutor = "SOURCE_EXECUTOR"

	ReasonAgentRemoved       = "REASON_AGENT_REMOVED"
	ReasonAgentDisconnected  = "REASON_AGENT_DISCONNECTED"
	ReasonAgentUnknown       = "REASON_AGENT_UNKNOWN"
	ReasonInvalidOffers      = "REASON_INVALID_OFFERS"
	ReasonTaskInvalid        = "REASON_TASK_INVALID"
	ReasonTaskUnknown        = "REASON_TASK_UNKNOWN"
	ReasonReconciliation     = "REASON_RECONCILIATION"
	ReasonFrameworkRemoved   = "REASON_FRAMEWORK_REMOVED"
	ReasonMemoryLimit        = "REASON_CONTAINER_LIMITATION_MEMORY"
	ReasonCommandFailed      = "REASON_COMMAND_EXECUTOR_FAILED"
	ReasonContainerLaunch    = "REASON_CONTAINER_LAUNCH_FAILED"
	ReasonTaskKilledInLaunch = "REASON_TASK_KILLED_DURING_LAUNCH"
	ReasonAgentRestarted     = "REASON_AGENT_RESTARTED"
)

// TaskStatus is mesos.TaskStatus. UUID is bytes (base64 in JSON); updates
// that carry one must be acknowledged by the scheduler.
type TaskStatus struct {
	TaskID     ID       `json:"task_id"`
	State      string   `json:"state"`
	Message    *string  `json:"message,omitempty"`
	Source     *string  `json:"source,omitempty"`
	Reason     *string  `json:"reason,omitempty"`
	Data       []byte   `json:"data,omitempty"`
	AgentID    *ID      `json:"agent_id,omitempty"`
	ExecutorID *ID      `json:"executor_id,omitempty"`
	Timestamp  *float64 `json:"timestamp,omitempty"`
	UUID       []byte   `json:"uuid,omitempty"`
	Healthy    *bool    `json:"healthy,omitempty"`
}
