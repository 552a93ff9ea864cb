// birrd_serial_wrap: pin-limited wrapper of birrd for place and route on small FPGA packages
// (the bare birrd has AW*DW + ... ports, more than an iCE40 package has pins).
//
// Every birrd input (data, valid, commands, mask) comes from one serial-in shift register:
// each cycle the register shifts by one bit, taking sin_i, and its parallel contents drive
// birrd, so birrd sees new inputs every cycle. birrd's outputs (data, valid) are captured
// into a parallel-in / serial-out register when cap_i is high, and shifted out otherwise;
// sout_o is its last bit. Five I/Os: clk_i, rst_ni, sin_i, cap_i, sout_o. Every birrd
// register and every output bit stays observable, so synthesis keeps the whole network.
// All paths between the wrapper's registers and birrd's are one level of logic at most,
// so the Fmax reported by place and route is birrd's.

module birrd_serial_wrap #(
  parameter int  AW     = 8,   // lanes, power of two, >= 4
  parameter int  DW     = 16,  // data width
  parameter int  WIRING = 1,   // 0 = published FEATHER wiring, 1 = Benes
  localparam int STAGES = feather_pkg::birrd_stages(AW, WIRING),
  localparam int INW    = AW*DW + AW + STAGES*AW + AW,  // data, valid, cmd, mask
  localparam int OUTW   = AW*DW + AW                    // data, valid
) (
  input  logic clk_i,
  input  logic rst_ni,
  input  logic sin_i,   // serial input bit
  input  logic cap_i,   // 1 = capture birrd's outputs, 0 = shift the output register
  output logic sout_o   // serial output bit
);

  logic [INW-1:0]  in_d, in_q;
  logic [OUTW-1:0] out_d, out_q;
  logic [AW*DW-1:0] data;
  logic [AW-1:0]    valid;

  assign in_d = {in_q[INW-2:0], sin_i};

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      in_q <= '0;
    end else begin
      in_q <= in_d;
    end
  end

  birrd #(
    .AW    (AW),
    .DW    (DW),
    .WIRING(WIRING)
  ) u_birrd (
    .clk_i  (clk_i),
    .rst_ni (rst_ni),
    .data_i (in_q[AW*DW-1:0]),
    .valid_i(in_q[AW*DW +: AW]),
    .cmd_i  (in_q[AW*DW+AW +: STAGES*AW]),
    .mask_i (in_q[AW*DW+AW+STAGES*AW +: AW]),
    .data_o (data),
    .valid_o(valid)
  );

  assign out_d = cap_i ? {valid, data} : {out_q[OUTW-2:0], 1'b0};

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      out_q <= '0;
    end else begin
      out_q <= out_d;
    end
  end

  assign sout_o = out_q[OUTW-1];

endmodule
