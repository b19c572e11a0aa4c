package stella.policy

allow if {
