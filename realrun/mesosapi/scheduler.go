package mesosapi

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// Call types (mesos.v1.scheduler.Call.Type).
const (
	CallSubscribe   = "SUBSCRIBE"
	CallTeardown    = "TEARDOWN"
	CallAccept      = "ACCEPT"
	CallDecline     = "DECLINE"
	CallRevive      = "REVIVE"
	CallKill        = "KILL"
	CallShutdown    = "SHUTDOWN"
	CallAcknowledge = "ACKNOWLEDGE"
	CallReconcile   = "RECONCILE"
	CallMessage     = "MESSAGE"
	CallRequest     = "REQUEST"
	CallSuppress    = "SUPPRESS"
)

// Subscribe is Call.Subscribe.
type Subscribe struct {
	FrameworkInfo   FrameworkInfo `json:"framework_info"`
	SuppressedRoles []string      `json:"suppressed_roles,omitempty"`
}

// Accept is Call.Accept.
type Accept struct {
	OfferIDs   []ID        `json:"offer_ids,omitempty"`
	Operations []Operation `json:"operations,omitempty"`
	Filters    *Filters    `json:"filters,omitempty"`
}

// Decline is Call.Decline.
type Decline struct {
	OfferIDs []ID     `json:"offer_ids,omitempty"`
	Filters  *Filters `json:"filters,omitempty"`
}

// Roles is the body of Call.Revive and Call.Suppress (empty = all roles).
type Roles struct {
	Roles []string `json:"roles,omitempty"`
}

// Kill is Call.Kill.
type Kill struct {
	TaskID     ID          `json:"task_id"`
	AgentID    *ID         `json:"agent_id,omitempty"`
	KillPolicy *KillPolicy `json:"kill_policy,omitempty"`
}

// Acknowledge is Call.Acknowledge.
type Acknowledge struct {
	AgentID ID     `json:"agent_id"`
	TaskID  ID     `json:"task_id"`
	UUID    []byte `json:"uuid"`
}

// ReconcileTask is Call.Reconcile.Task.
type ReconcileTask struct {
	TaskID  ID  `json:"task_id"`
	AgentID *ID `json:"agent_id,omitempty"`
}

// Reconcile is Call.Reconcile (no tasks = implicit reconciliation of all).
type Reconcile struct {
	Tasks []ReconcileTask `json:"tasks,omitempty"`
}

// Call is mesos.v1.scheduler.Call.
type Call struct {
	FrameworkID *ID          `json:"framework_id,omitempty"`
	Type        string       `json:"type"`
	Subscribe   *Subscribe   `json:"subscribe,omitempty"`
	Accept      *Accept      `json:"accept,omitempty"`
	Decline     *Decline     `json:"decline,omitempty"`
	Revive      *Roles       `json:"revive,omitempty"`
	Kill        *Kill        `json:"kill,omitempty"`
	Acknowledge *Acknowledge `json:"acknowledge,omitempty"`
	Reconcile   *Reconcile   `json:"reconcile,omitempty"`
	Suppress    *Roles       `json:"suppress,omitempty"`
}

// DecodeCall parses one JSON call and checks that the body its type needs is
// present (Mesos's validation::scheduler::call rules for the modelled calls).
func DecodeCall(data []byte) (*Call, error) {
	var c Call
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&c); err != nil {
		return nil, fmt.Errorf("malformed call: %w", err)
	}
	if dec.More() {
		return nil, fmt.Errorf("malformed call: trailing data after the JSON object")
	}
	if err := c.Validate(); err != nil {
		return nil, err
	}
	return &c, nil
}

// Validate checks the call's shape (not its meaning against master state).
func (c *Call) Validate() error {
	need := func(ok bool, field string) error {
		if !ok {
			return fmt.Errorf("expecting '%s' to be present for a %s call", field, c.Type)
		}
		return nil
	}
	if c.Type != CallSubscribe && c.FrameworkID.GetValue() == "" {
		if c.Type == "" {
			return fmt.Errorf("expecting 'type' to be present")
		}
		return fmt.Errorf("expecting 'framework_id' to be present for a %s call", c.Type)
	}
	switch c.Type {
	case CallSubscribe:
		if err := need(c.Subscribe != nil, "subscribe"); err != nil {
			return err
		}
		fi := &c.Subscribe.FrameworkInfo
		if fi.Name == "" {
			return fmt.Errorf("expecting 'framework_info.name' to be set")
		}
		if c.FrameworkID != nil && fi.ID.GetValue() != c.FrameworkID.Value {
			return fmt.Errorf("'framework_id' differs from 'subscribe.framework_info.id'")
		}
		return nil
	case CallAccept:
		return need(c.Accept != nil, "accept")
	case CallDecline:
		return need(c.Decline != nil, "decline")
	case CallKill:
		if err := need(c.Kill != nil, "kill"); err != nil {
			return err
		}
		return need(c.Kill.TaskID.Value != "", "kill.task_id")
	case CallAcknowledge:
		if err := need(c.Acknowledge != nil, "acknowledge"); err != nil {
			return err
		}
		return need(len(c.Acknowledge.UUID) > 0 && c.Acknowledge.TaskID.Value != "", "acknowledge.uuid")
	case CallReconcile:
		return need(c.Reconcile != nil, "reconcile")
	case CallTeardown, CallRevive, CallSuppress:
		return nil
	case "":
		return fmt.Errorf("expecting 'type' to be present")
	}
	return fmt.Errorf("unsupported call type %q", c.Type)
}

// Event types (mesos.v1.scheduler.Event.Type).
const (
	EventSubscribed = "SUBSCRIBED"
	EventOffers     = "OFFERS"
	EventRescind    = "RESCIND"
	EventUpdate     = "UPDATE"
	EventMessage    = "MESSAGE"
	EventFailure    = "FAILURE"
	EventError      = "ERROR"
	EventHeartbeat  = "HEARTBEAT"
)

// Subscribed is Event.Subscribed.
type Subscribed struct {
	FrameworkID              ID          `json:"framework_id"`
	HeartbeatIntervalSeconds *float64    `json:"heartbeat_interval_seconds,omitempty"`
	MasterInfo               *MasterInfo `json:"master_info,omitempty"`
}

// Offers is Event.Offers.
type Offers struct {
	Offers []Offer `json:"offers,omitempty"`
}

// Rescind is Event.Rescind.
type Rescind struct {
	OfferID ID `json:"offer_id"`
}

// Update is Event.Update.
type Update struct {
	Status TaskStatus `json:"status"`
}

// Failure is Event.Failure.
type Failure struct {
	AgentID    *ID    `json:"agent_id,omitempty"`
	ExecutorID *ID    `json:"executor_id,omitempty"`
	Status     *int32 `json:"status,omitempty"`
}

// Error is Event.Error.
type Error struct {
	Message string `json:"message"`
}

// Event is mesos.v1.scheduler.Event.
type Event struct {
	Type       string      `json:"type"`
	Subscribed *Subscribed `json:"subscribed,omitempty"`
	Offers     *Offers     `json:"offers,omitempty"`
	Rescind    *Rescind    `json:"rescind,omitempty"`
	Update     *Update     `json:"update,omitempty"`
	Failure    *Failure    `json:"failure,omitempty"`
	Error      *Error      `json:"error,omitempty"`
}
