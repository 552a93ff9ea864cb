// NEST: the PE and the array (relative to this file).
nest_pe.sv
nest.sv
