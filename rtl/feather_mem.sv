// feather_mem: one bank of an on-chip buffer, DEPTH words of DW bits, one
// write port and one read port.
//
//   write: mem[waddr_i] <= wdata_i at posedge clk_i when we_i.
//   read:  SYNC = 1: rdata_o is mem[raddr_i] registered at posedge clk_i (the
//          value before a write to the same word in that cycle; maps to block
//          RAM); SYNC = 0: rdata_o = mem[raddr_i] combinationally (distributed
//          RAM), used where a read-modify-write must finish in one cycle.
//
// The contents are not reset (memories never are); an address at or above
// DEPTH reads an undefined value and a write to it is dropped. Illegal
// parameters stop elaboration with a named error (feather_mem_error_*).

module feather_mem #(
  parameter int  DEPTH = 16,  // words, >= 2
  parameter int  DW    = 8,   // word width, >= 1
  parameter int  SYNC  = 1,   // 1 = registered read, 0 = combinational read
  localparam int ADW   = (DEPTH > 1) ? $clog2(DEPTH) : 1
) (
  input  logic           clk_i,
  input  logic           we_i,
  input  logic [ADW-1:0] waddr_i,
  input  logic [DW-1:0]  wdata_i,
  input  logic [ADW-1:0] raddr_i,
  output logic [DW-1:0]  rdata_o
);

  localparam bit DepthOk = (DEPTH >= 2);
  localparam bit DwOk    = (DW >= 1);
  localparam bit SyncOk  = (SYNC == 0) || (SYNC == 1);

  if (!DepthOk) begin : g_err_depth
    feather_mem_error_DEPTH_must_be_at_least_2 u_err ();
  end
  if (!DwOk) begin : g_err_dw
    feather_mem_error_DW_must_be_at_least_1 u_err ();
  end
  if (!SyncOk) begin : g_err_sync
    feather_mem_error_SYNC_must_be_0_or_1 u_err ();
  end

  logic [DW-1:0] mem_q [DEPTH] /* verilator public_flat_rd */;

  always_ff @(posedge clk_i) begin
    if (we_i && (32'(waddr_i) < DEPTH)) begin
      mem_q[waddr_i] <= wdata_i;
    end
  end

  if (SYNC == 1) begin : g_sync
    logic [DW-1:0] rdata_q;
    always_ff @(posedge clk_i) begin
      rdata_q <= mem_q[raddr_i];
    end
    assign rdata_o = rdata_q;
  end else begin : g_async
    assign rdata_o = mem_q[raddr_i];
  end

endmodule
