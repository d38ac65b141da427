package master

const reasonAgentRestarted = "REASON_AGENT_RESTARTED"
