// Package frag measures GPU fragmentation as Weng et al. define it ("Beware of
// Fragmentation", USENIX ATC'23): the idle GPU milli that the workload's
// typical tasks could not use, weighted by how often each typical task occurs.
//
// A typical shape is (CPU, GPU request, allowed GPU models). Memory is not part
// of it, as in the paper's artifacts (that is what gives the 35 shapes covering
// 95% of openb's default trace); a shape given with memory is honoured.
package frag
